"""Three-class spirals, the classic toy data set of CS231n's "Putting it together: minimal
neural network case study", classified by a small nn.Sequential with GELU, trained with
CrossEntropyLoss and Adam on mini-batches a DataLoader shuffles every epoch.

Plain PyTorch; the only additions are the recorder's lines (rec.…), which write the run folder
that xor-repro diffs against the tch port (src/main.rs)."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import xor_repro_record as xrr

rec = xrr.Run.from_args("spirals-adam", notebook="examples/spirals-adam/script.py")
torch.manual_seed(rec.seed)


def spirals(points_per_class=100, classes=3):
    xs, ys = [], []
    for c in range(classes):
        r = torch.linspace(0.0, 1.0, points_per_class)
        t = torch.linspace(c * 4.0, (c + 1) * 4.0, points_per_class) + torch.randn(points_per_class) * 0.2
        xs.append(torch.stack([r * torch.sin(t), r * torch.cos(t)], dim=1))
        ys.append(torch.full((points_per_class,), c, dtype=torch.long))
    return torch.cat(xs), torch.cat(ys)


X, y = spirals()
loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)

model = nn.Sequential(nn.Linear(2, 32), nn.GELU(), nn.Linear(32, 3))
rec.initial_params(model.named_parameters())
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

step = 0
for epoch in range(rec.steps(30)):
    for xb, yb in loader:
        with rec.step(step, model) as t:
            xb = t.value("xb", xb)
            logits = t.keep("logits", model(xb))
            loss = t.value("loss", loss_fn(logits, yb))
            optimizer.zero_grad()
            t.backward(loss)
            optimizer.step()
        rec.loss(step, loss)
        step += 1
    with torch.no_grad():
        accuracy = (model(X).argmax(dim=1) == y).float().mean().item()
    rec.metric(epoch, "accuracy", accuracy)
    if epoch % 10 == 9:
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}, accuracy {accuracy:.3f}")

rec.final_params(model.named_parameters())
with torch.no_grad():
    rec.predictions_from([("x", X), ("target", y), ("logits", model(X))])
rec.write()
