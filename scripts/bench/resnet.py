"""The proof's benchmark beyond 10M parameters (issue 29, `xor-repro bench-proof --model
resnet`): a ResNet-18-shaped CNN (11.2M parameters: BasicBlocks of 64, 128, 256 and 512
channels, BatchNorm, a 10-way head) on random 32x32 images, a batch of 32, SGD with
momentum, recorded with the README's recorder API. `--bare` runs it with every recorder call
a no-op."""

import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

import xor_repro_record as xrr
from _bare import Bare


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.short = nn.Sequential()
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(h)) + self.short(x))


class ResNet18(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        layers, cin = [], 64
        for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            layers.append(nn.Sequential(Block(cin, cout, stride), Block(cout, cout, 1)))
            cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(512, 10)

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.layers(h)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))


bare = "--bare" in sys.argv
argv = [a for a in sys.argv[1:] if a != "--bare"]
rec = Bare(argv) if bare else xrr.Run.from_args("bench-resnet", argv=argv, echo=False)
torch.manual_seed(rec.seed)
X = torch.randn(32, 3, 32, 32)
y = torch.randint(0, 10, (32,))
model = ResNet18()
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

rec.initial_params(model.named_parameters())
for step in range(rec.steps(10)):
    with rec.step(step, model) as t:
        out = t.keep("out", model(X))
        loss = t.value("loss", loss_fn(out, y))
        optimizer.zero_grad()
        t.backward(loss)
        optimizer.step()
    rec.loss(step, loss)
rec.final_params(model.named_parameters())
rec.write()
