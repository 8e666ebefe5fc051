"""A small CNN with BatchNorm (10 314 parameters: two blocks of Conv2d, BatchNorm2d, ReLU and
2×2 max-pooling, then Linear(512, 10)) trained in two phases, as many scripts do:
1. SGD with Nesterov momentum and weight decay under OneCycleLR, stepped every batch: the
   learning rate warms up to max_lr and anneals away while the momentum cycles the other way
   (0.95 → 0.85 → 0.95), set on the optimizer at every step;
2. fine-tuning with Adam under ReduceLROnPlateau on the validation loss, stepped every epoch:
   the learning rate halves whenever the validation loss has not improved for two epochs.

The data are 768 random 16×16 RGB images (torch.randn), each one of ten random prototype
images plus heavy noise, labelled with its prototype: 512 train, 256 validate.

Plain PyTorch; the only additions are the recorder's lines (rec.…), which write the run folder
that xor-repro diffs against the tch port (src/main.rs). BatchNorm's buffers are recorded with
the parameters (the model's state_dict) and traced after each traced step's forward pass;
every step's learning rate and momentum (or Adam's beta1), and every epoch's validation loss,
are recorded as metrics."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import xor_repro_record as xrr

rec = xrr.Run.from_args("cnn-onecycle", notebook="examples/cnn-onecycle/script.py")
torch.manual_seed(rec.seed)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc = nn.Linear(32 * 4 * 4, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)  # 16×16 → 8×8
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)  # → 4×4
        return self.fc(torch.flatten(x, 1))


prototypes = torch.randn(10, 3, 16, 16)
y = torch.randint(0, 10, (768,))
X = prototypes[y] + 2.0 * torch.randn(768, 3, 16, 16)
X_train, y_train, X_val, y_val = X[:512], y[:512], X[512:], y[512:]
loader = DataLoader(TensorDataset(X_train, y_train), batch_size=64, shuffle=True)

model = Net()
rec.initial_params(model.state_dict())  # the parameters and BatchNorm's buffers
print(f"{sum(p.numel() for p in model.parameters())} parameters")


def validate(epoch):
    model.eval()
    with torch.no_grad():
        logits = model(X_val)
        val_loss = F.cross_entropy(logits, y_val).item()
        accuracy = (logits.argmax(dim=1) == y_val).float().mean().item()
    rec.metric(step - 1, "val_loss", val_loss)
    rec.metric(step - 1, "val_accuracy", accuracy)
    print(f"epoch {epoch + 1}: loss {loss.item():.4f}, val loss {val_loss:.4f}, "
          f"val accuracy {accuracy:.3f}, lr {optimizer.param_groups[0]['lr']:.3g}")
    return val_loss


def train_step(step, xb, yb):
    model.train()
    with rec.step(step, model) as t:
        xb = t.value("xb", xb)
        logits = t.keep("logits", model(xb))
        for name, buffer in model.named_buffers():  # updated by the forward pass
            t.value(name, buffer)
        loss = t.value("loss", F.cross_entropy(logits, yb))
        optimizer.zero_grad()
        t.backward(loss)
        optimizer.step()
    rec.loss(step, loss)
    return loss


# Phase 1: one cycle of SGD.
cycle_epochs = rec.steps(6)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True,
                            weight_decay=5e-4)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.05, epochs=cycle_epochs,
                                                steps_per_epoch=len(loader))
step = 0
for epoch in range(cycle_epochs):
    for xb, yb in loader:
        group = optimizer.param_groups[0]
        rec.metric(step, "lr", group["lr"])
        rec.metric(step, "momentum", group["momentum"])
        loss = train_step(step, xb, yb)
        scheduler.step()
        step += 1
    validate(epoch)

# Phase 2: fine-tune with Adam until the validation loss stops improving.
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
for epoch in range(cycle_epochs, cycle_epochs + 12):
    for xb, yb in loader:
        group = optimizer.param_groups[0]
        rec.metric(step, "lr", group["lr"])
        rec.metric(step, "momentum", group["betas"][0])
        loss = train_step(step, xb, yb)
        step += 1
    scheduler.step(validate(epoch))

rec.final_params(model.state_dict())
model.eval()
with torch.no_grad():
    rec.predictions_from([("target", y_val), ("logits", model(X_val))])
rec.write()
