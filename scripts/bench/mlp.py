"""The proof's benchmark at the size of a real model (issue 29, `xor-repro bench-proof`): a
1.6M-parameter MLP (512-1024-1024-10, CrossEntropyLoss, Adam, a batch of 256) on random
data, recorded with the README's recorder API. `--bare` runs the same training with every
recorder call a no-op: the script as its author wrote it, the baseline of what recording
costs."""

import sys

import torch
import torch.nn as nn

import xor_repro_record as xrr
from _bare import Bare

bare = "--bare" in sys.argv
argv = [a for a in sys.argv[1:] if a != "--bare"]
rec = Bare(argv) if bare else xrr.Run.from_args("bench-mlp", argv=argv, echo=False)
torch.manual_seed(rec.seed)
X = torch.randn(256, 512)
y = torch.randint(0, 10, (256,))
model = nn.Sequential(nn.Linear(512, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                      nn.Linear(1024, 10))
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

rec.initial_params(model.named_parameters())
for step in range(rec.steps(3)):
    with rec.step(step, model) as t:
        out = t.keep("out", model(X))
        loss = t.value("loss", loss_fn(out, y))
        optimizer.zero_grad()
        t.backward(loss)
        optimizer.step()
    rec.loss(step, loss)
rec.final_params(model.named_parameters())
rec.write()
