"""Two Gaussian blobs, an nn.Sequential classifier with a Sigmoid output, BCELoss, Adam, and a
DataLoader shuffling mini-batches of 20: the README's "Port your own notebook", whole.

Plain PyTorch; the recorder's lines (rec.…) are the only additions."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import xor_repro_record as xrr

rec = xrr.Run.from_args("blobs-bce-adam")
torch.manual_seed(rec.seed)
X = torch.cat([torch.randn(100, 2) + 1.0, torch.randn(100, 2) - 1.0])
y = torch.cat([torch.ones(100, 1), torch.zeros(100, 1)])
loader = DataLoader(TensorDataset(X, y), batch_size=20, shuffle=True)
model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
loss_fn = nn.BCELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)

rec.initial_params(model.named_parameters())
step = 0
for epoch in range(rec.steps(20)):
    for xb, yb in loader:
        with rec.step(step, model) as t:           # traces the parameters as the step finds them
            out = t.keep("out", model(xb))          # a forward value, and later its gradient
            loss = t.value("loss", loss_fn(out, yb))
            optimizer.zero_grad()
            t.backward(loss)                        # loss.backward(); every gradient, in autograd's order
            optimizer.step()                        # leaving the block traces the updated parameters
        rec.loss(step, loss)
        step += 1
    with torch.no_grad():
        accuracy = ((model(X) > 0.5).float() == y).float().mean()
    rec.metric(epoch, "accuracy", accuracy)         # any per-step number: metrics.csv
rec.final_params(model.named_parameters())
with torch.no_grad():
    rec.predictions_from([("x", X), ("target", y), ("output", model(X))])   # any shape
rec.write()                                         # results/blobs-bce-adam/seed-0/python/
