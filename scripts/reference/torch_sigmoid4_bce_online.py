"""Notebook 003 (003_91141446f149ca94.txt), experiment torch-sigmoid4-bce-online: the
notebook's code, plus a seed (the notebook seeds nothing: torch.manual_seed before the first
torch.rand and random.seed before the first sample) and the run record. Cell results the
notebook displayed (`W1, b1` ...) are shown with record.display, as Jupyter shows them."""

import xor_repro_record as record

args = record.parse_args(default_seed=0, default_steps=10000, default_lr=0.05)

import torch

run = record.Run("torch-sigmoid4-bce-online", "003_91141446f149ca94.txt", args, {"torch": torch.__version__})
torch.manual_seed(args.seed)
lr = args.lr

# In [3]
W1 = torch.rand(2, 4, requires_grad=True)
b1 = torch.rand(4, requires_grad=True)

# In [4]
W2 = torch.rand(4, 1, requires_grad=True)
b2 = torch.rand(1, requires_grad=True)

params = run.initial_params({"W1": W1, "b1": b1, "W2": W2, "b2": b2})

record.display(W1, b1)
record.display(W2, b2)

# In [5]
def sigmoid(x):
    return 1 / (1 + torch.exp(-x))

record.display(sigmoid(torch.Tensor([1, 2, 3, -3])))

# In [6]
def dataset(n):
    import random
    for _ in range(n):
        x1 = random.choice([0, 1])
        x2 = random.choice([0, 1])
        y = int(bool(x1)^bool(x2))
        yield torch.FloatTensor([x1, x2]), torch.FloatTensor([y])

import random
random.seed(args.seed)

# In [7]
running_loss = 0
for i, (x, y) in enumerate(dataset(args.steps)):
    h1 = sigmoid(x @ W1 + b1)
    out = sigmoid(h1 @ W2 + b2)


    loss = -(y * torch.log(out) + (1 - y) * torch.log((1 - out)))

    if i%1000 == 999:
        print('{:.3f}'.format(running_loss/1000))
        running_loss = 0
    running_loss += loss.data[0]
    run.losses.append(loss.item())

    loss.backward()

    W1.data -=  lr * W1.grad.data
    b1.data -=  lr * b1.grad.data

    W2.data -=  lr * W2.grad.data
    b2.data -=  lr * b2.grad.data

    W1.grad.data.zero_()
    b1.grad.data.zero_()

    W2.grad.data.zero_()
    b2.grad.data.zero_()

# In [8]
x = torch.FloatTensor([1, 1])

# In [9]
h1 = sigmoid(x @ W1 + b1)
out = sigmoid(h1 @ W2 + b2)

# In [10]
record.display(x, h1, out)

# In [11]
record.display(W1, b1)

# In [12]
record.display(W2, b2)

for name, p in params.items():
    run.param("final", name, p)
outputs = []
with torch.no_grad():
    for x1, x2 in record.XOR_INPUTS:
        outputs.append(sigmoid(sigmoid(torch.FloatTensor([x1, x2]) @ W1 + b1) @ W2 + b2).item())
run.predictions = record.xor_rows(outputs)
run.write()
