"""A small CNN of the CIFAR-10 kind, at real size (1 147 914 parameters): three blocks of
Conv2d, BatchNorm2d, ReLU and 2×2 max-pooling, then Linear(2048, 512), ReLU, Linear(512, 10),
trained with CrossEntropyLoss and Adam on mini-batches a DataLoader shuffles every epoch.

The data are 256 random 32×32 RGB images (torch.randn), each one of ten random prototype
images plus noise, labelled with its prototype: a task the network can learn in a few steps.

Plain PyTorch; the only additions are the recorder's lines (rec.…), which write the run folder
that xor-repro diffs against the tch port (src/main.rs). BatchNorm's buffers (running mean,
running variance, num_batches_tracked) are recorded with the parameters (the model's
state_dict) and traced after each traced step's forward pass, which updates them."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import xor_repro_record as xrr

rec = xrr.Run.from_args("cnn-batchnorm-adam", notebook="examples/cnn-batchnorm-adam/script.py")
torch.manual_seed(rec.seed)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(64)
        self.conv3 = nn.Conv2d(64, 128, 3, padding=1)
        self.bn3 = nn.BatchNorm2d(128)
        self.fc1 = nn.Linear(128 * 4 * 4, 512)
        self.fc2 = nn.Linear(512, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)  # 32×32 → 16×16
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)  # → 8×8
        x = F.max_pool2d(F.relu(self.bn3(self.conv3(x))), 2)  # → 4×4
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(x)


prototypes = torch.randn(10, 3, 32, 32)
y = torch.randint(0, 10, (256,))
X = prototypes[y] + 0.5 * torch.randn(256, 3, 32, 32)
loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True)

model = Net()
rec.initial_params(model.state_dict())  # the parameters and BatchNorm's buffers
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
print(f"{sum(p.numel() for p in model.parameters())} parameters")

step = 0
for epoch in range(rec.steps(2)):
    model.train()
    for xb, yb in loader:
        with rec.step(step, model) as t:
            xb = t.value("xb", xb)
            logits = t.keep("logits", model(xb))
            for name, buffer in model.named_buffers():  # updated by the forward pass
                t.value(name, buffer)
            loss = t.value("loss", loss_fn(logits, yb))
            optimizer.zero_grad()
            t.backward(loss)
            optimizer.step()
        rec.loss(step, loss)
        step += 1
    model.eval()
    with torch.no_grad():
        accuracy = (model(X).argmax(dim=1) == y).float().mean().item()
    rec.metric(epoch, "accuracy", accuracy)
    print(f"epoch {epoch + 1}: loss {loss.item():.4f}, accuracy {accuracy:.3f}")

rec.final_params(model.state_dict())
model.eval()
with torch.no_grad():
    rec.predictions_from([("target", y), ("logits", model(X))])
rec.write()
