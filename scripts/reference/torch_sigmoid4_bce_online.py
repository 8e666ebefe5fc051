"""Notebook 003 (003_91141446f149ca94.txt), experiment torch-sigmoid4-bce-online: the
notebook's code, plus a seed (the notebook seeds nothing: torch.manual_seed before the first
torch.rand and random.seed before the first sample) and the run record. Cell results the
notebook displayed (`W1, b1` ...) are shown with record.display, as Jupyter shows them."""

import xor_repro_record as record

args = record.parse_args()

import torch

run = record.Run(args.experiment, args.notebook, args, {"torch": torch.__version__})
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

# --trace: what sample i computed, read without changing anything. The sums inside the
# sigmoids have no name in the notebook: they are computed again (the same kernels on the
# same values, the same bits) without a graph. h1 and out keep their gradients (retain_grad)
# only when traced.
def trace_parameters(i, suffix):
    for name, p in params.items():
        run.trace(i, name + suffix, p)

def trace_forward(i, x, y, h1, out):
    run.trace(i, "x", x)
    run.trace(i, "y", y)
    with torch.no_grad():
        run.trace(i, "x @ W1 + b1", x @ W1 + b1)
    run.trace(i, "h1", h1)
    with torch.no_grad():
        run.trace(i, "h1 @ W2 + b2", h1 @ W2 + b2)
    run.trace(i, "out", out)
    h1.retain_grad()
    out.retain_grad()

def trace_gradients(i, h1, out):
    """Every gradient, in the order autograd computes them."""
    for name, g in [("out", out.grad), ("W2", W2.grad), ("b2", b2.grad),
                    ("h1", h1.grad), ("W1", W1.grad), ("b1", b1.grad)]:
        run.trace(i, name + ".grad", g)

# In [7]
running_loss = 0
for i, (x, y) in enumerate(dataset(args.steps)):
    if run.tracing(i):
        trace_parameters(i, "")
    h1 = sigmoid(x @ W1 + b1)
    out = sigmoid(h1 @ W2 + b2)
    if run.tracing(i):
        trace_forward(i, x, y, h1, out)


    loss = -(y * torch.log(out) + (1 - y) * torch.log((1 - out)))
    run.trace(i, "loss", loss)

    if i%1000 == 999:
        print('{:.3f}'.format(running_loss/1000))
        running_loss = 0
    running_loss += loss.data[0]
    run.losses.append(loss.item())

    loss.backward()
    if run.tracing(i):
        trace_gradients(i, h1, out)

    W1.data -=  lr * W1.grad.data
    b1.data -=  lr * b1.grad.data

    W2.data -=  lr * W2.grad.data
    b2.data -=  lr * b2.grad.data

    W1.grad.data.zero_()
    b1.grad.data.zero_()

    W2.grad.data.zero_()
    b2.grad.data.zero_()
    if run.tracing(i):
        trace_parameters(i, ".updated")

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
