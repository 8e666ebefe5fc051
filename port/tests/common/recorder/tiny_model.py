"""The Python side of port/tests/recorder.rs: a tiny PyTorch model trained for a few steps
and recorded with xor_repro_record's port API (Run.from_args, step, metric,
predictions_from, op). The Rust test does the same through xor_repro_port::Run with tch,
and holds the two run folders' files to be byte-identical: keep both in step."""

import torch
import torch.nn as nn
import torch.nn.functional as F

import xor_repro_record as xrr

LR = 0.1
N = 5


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 4)
        self.fc2 = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc2(self.fc1(x).relu())


rec = xrr.Run.from_args("recorder-tiny", "port/tests/recorder.rs", lr=LR)
torch.manual_seed(rec.seed)
model = Net()
x = torch.rand(N, 2)
y = torch.rand(N, 3)
rec.initial_params(model.named_parameters())
opt = torch.optim.SGD(model.parameters(), lr=LR)

for step in range(rec.steps(10)):
    with rec.step(step, model) as t:
        # Step 0 notes both layers, step 1 none, step 2 the second only: the three ways the
        # gradients' order is derived.
        if step == 0:
            t.params(model.fc1)
        h = t.keep("fc1(x)", model.fc1(x))
        r = t.keep("relu", h.relu())
        if step != 1:
            t.params([("fc2.weight", model.fc2.weight), ("fc2.bias", model.fc2.bias)])
        out = t.keep("out", model.fc2(r))
        loss = t.value("loss", F.mse_loss(out, y))
        opt.zero_grad()
        t.backward(loss)
        opt.step()
    rec.loss(step, loss)
    if step == 0:
        rec.metric(step, "mae", 1.0)  # replaced below
    rec.metric(step, "max", out.max())
    if step != 1:
        rec.metric(step, "mae", (out - y).abs().mean())
    if step == 2:
        rec.metric(step, "tiny", 1.5e-05)

# Rows come in the order their step was first recorded, not sorted.
rec.metric(10, "last", 2.0)
rec.metric(9, "last", 1e-07)

rec.final_params(model.named_parameters())
with torch.no_grad():
    final = model(x)
rec.predictions_from([("x", x), ("label", final.argmax(1)), ("y0", y[:, :1]), ("output", final)])
rec.op("fc1(x)", "x.apply(&fc1)", "mkl")
rec.op("relu", "h.relu()", "aten")
rec.op("x", "Tensor::rand([N, 2], ..)", None)
print(rec.write())
