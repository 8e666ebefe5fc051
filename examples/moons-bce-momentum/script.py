"""Two interleaving half-moons drawn with NumPy (as scikit-learn's make_moons draws them, with
noise), classified by a small nn.Sequential with Tanh and Dropout and a Sigmoid output,
trained with BCELoss and SGD with momentum on mini-batches a DataLoader shuffles every epoch.
The model is evaluated (model.eval(), no dropout) once per epoch.

Plain PyTorch; the only additions are the recorder's lines (rec.…), which write the run folder
that xor-repro diffs against the tch port (src/main.rs), and the np.save of the data set,
which the port reads back (its bits are NumPy's, not the port's to redraw)."""
import os

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import xor_repro_record as xrr

rec = xrr.Run.from_args("moons-bce-momentum", notebook="examples/moons-bce-momentum/script.py")
torch.manual_seed(rec.seed)


def make_moons(n_samples=200, noise=0.15, seed=0):
    rng = np.random.default_rng(seed)
    outer = np.linspace(0, np.pi, n_samples // 2)
    inner = np.linspace(0, np.pi, n_samples - n_samples // 2)
    X = np.vstack([
        np.column_stack([np.cos(outer), np.sin(outer)]),
        np.column_stack([1 - np.cos(inner), 1 - np.sin(inner) - 0.5]),
    ])
    y = np.hstack([np.zeros(n_samples // 2), np.ones(n_samples - n_samples // 2)])
    return X + rng.normal(scale=noise, size=X.shape), y


X_np, y_np = make_moons(seed=rec.seed)
data = os.path.join(rec.args.out, "moons-bce-momentum", f"seed-{rec.seed}", "data")
os.makedirs(data, exist_ok=True)
np.save(os.path.join(data, "X.npy"), X_np)
np.save(os.path.join(data, "y.npy"), y_np)

X = torch.tensor(X_np, dtype=torch.float32)
y = torch.tensor(y_np, dtype=torch.float32).unsqueeze(1)
loader = DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True)

model = nn.Sequential(
    nn.Linear(2, 16), nn.Tanh(), nn.Dropout(0.1),
    nn.Linear(16, 1), nn.Sigmoid(),
)
rec.initial_params(model.named_parameters())
loss_fn = nn.BCELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

step = 0
for epoch in range(rec.steps(25)):
    model.train()
    for xb, yb in loader:
        with rec.step(step, model) as t:
            xb = t.value("xb", xb)
            out = t.keep("out", model(xb))
            loss = t.value("loss", loss_fn(out, yb))
            optimizer.zero_grad()
            t.backward(loss)
            optimizer.step()
        rec.loss(step, loss)
        step += 1
    model.eval()
    with torch.no_grad():
        out = model(X)
        rec.metric(epoch, "accuracy", ((out > 0.5).float() == y).float().mean().item())
        rec.metric(epoch, "eval_loss", loss_fn(out, y).item())
    if epoch % 5 == 4:
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}")

rec.final_params(model.named_parameters())
with torch.no_grad():
    rec.predictions_from([("x", X), ("target", y), ("probability", model(X))])
rec.write()
