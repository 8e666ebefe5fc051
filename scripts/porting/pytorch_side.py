"""The PyTorch side of docs/PORTING.md's table: for each entry, what PyTorch computes, for
port/tests/porting.rs to hold the tch side against, value by value, at test time.

    .venv/bin/python scripts/porting/pytorch_side.py [ID ...]

prints, for each entry asked (all when none is), one line per named tensor:
`ID<TAB>NAME<TAB>v1 v2 ...`, the tensor's values row-major, each the shortest repr of its
float64 widening (exact for float32) or an integer. Names starting with `input.` are what
both sides start from (their own seeded draws); the test requires those identical before it
compares the rest. Every entry seeds with `torch.manual_seed(SEED)` first; the Rust side of
each entry (same id, in port/tests/porting.rs) makes the same calls in tch, in the same order.
"""

import sys

import torch
import torch.nn.functional as F
from torch import nn
from torch.optim import lr_scheduler
from torch.utils.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    random_split,
)

SEED = 7
# The optimizer entries: a small MLP trained a few full-batch steps on random data, its
# weights large enough (32 x 8) for ATen's vectorised loops, its biases small enough for the
# scalar tails.
STEPS = 10


def mlp():
    return nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1))


def train(
    make_optimizer, clip=None, make_scheduler=None, record=None, set_to_none=True, groups=False
):
    """`clip(model.parameters())`, when given, runs between `backward()` and `step()`; the
    scheduler `make_scheduler(opt)`, when given, steps after `opt.step()`; `record(opt, model)`,
    when given, names more values after each step's parameters. `make_optimizer` takes the
    model's parameters, or with `groups=True` the model."""
    torch.manual_seed(SEED)
    model = mlp()
    x = torch.randn(16, 8)
    y = torch.randn(16, 1)
    out = [("input.x", x), ("input.y", y)]
    out += [(f"input.{n}", p.detach().clone()) for n, p in model.named_parameters()]
    opt = make_optimizer(model.parameters() if not groups else model)
    sched = make_scheduler(opt) if make_scheduler is not None else None
    for step in range(STEPS):
        opt.zero_grad(set_to_none=set_to_none)
        loss = F.mse_loss(model(x), y)
        loss.backward()
        if clip is not None:
            clip(model.parameters())
        opt.step()
        if sched is not None:
            sched.step()
        out.append((f"step{step}.loss", loss))
        out += [(f"step{step}.{n}", p.detach().clone()) for n, p in model.named_parameters()]
        if record is not None:
            out += [(f"step{step}.{n}", t) for n, t in record(opt, model)]
    return out


def train_closure(make_optimizer):
    """`train` for an optimizer that takes a closure (L-BFGS): `opt.step(closure)` each step,
    its returned loss, the parameters, and the closure's calls so far (`func_evals`)."""
    torch.manual_seed(SEED)
    model = mlp()
    x = torch.randn(16, 8)
    y = torch.randn(16, 1)
    out = [("input.x", x), ("input.y", y)]
    out += [(f"input.{n}", p.detach().clone()) for n, p in model.named_parameters()]
    opt = make_optimizer(model.parameters())

    def closure():
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        return loss

    for step in range(STEPS):
        loss = opt.step(closure)
        out.append((f"step{step}.loss", loss))
        out += [(f"step{step}.{n}", p.detach().clone()) for n, p in model.named_parameters()]
        evals = opt.state[next(model.parameters())]["func_evals"]
        out.append((f"step{step}.func_evals", torch.tensor([evals], dtype=torch.float64)))
    return out


def asgd_ax(opt, model):
    """ASGD's averaged parameters, `state["ax"]`, named `ax.` and the parameter's name."""
    return [(f"ax.{n}", opt.state[p]["ax"].clone()) for n, p in model.named_parameters()]


# The scheduler entries: Adam's learning rate (and beta1) as the scheduler sets it, when made
# and after each of SCHEDULE_STEPS steps, every value a Python float.
SCHEDULE_STEPS = 100


def schedule(make_scheduler):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.1)
    sched = make_scheduler(opt)
    lrs, beta1 = [sched.get_last_lr()[0]], [opt.param_groups[0]["betas"][0]]
    for _ in range(SCHEDULE_STEPS):
        opt.step()  # no gradient: nothing to update, but the scheduler sees a step
        sched.step()
        lrs.append(sched.get_last_lr()[0])
        beta1.append(opt.param_groups[0]["betas"][0])
    f64 = torch.float64
    return [("lr", torch.tensor(lrs, dtype=f64)), ("beta1", torch.tensor(beta1, dtype=f64))]


def multi_group_cosine():
    """CosineAnnealingLR on an Adam of two param groups (lr 0.1 and 0.03): each group's
    learning rate when made and after each step."""
    p, q = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
    opt = torch.optim.Adam([{"params": [p]}, {"params": [q], "lr": 0.03}], lr=0.1)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=30, eta_min=0.001)
    lrs = [sched.get_last_lr()]
    for _ in range(SCHEDULE_STEPS):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
    f64 = torch.float64
    return [(f"lr{i}", torch.tensor([lr[i] for lr in lrs], dtype=f64)) for i in range(2)]


HYPER = {
    "Adamax": lambda p: torch.optim.Adamax(p, lr=0.01, betas=(0.8, 0.99), weight_decay=0.1),
    "NAdam": lambda p: torch.optim.NAdam(
        p, lr=0.01, momentum_decay=0.01, decoupled_weight_decay=True, foreach=True
    ),
    "RAdam": lambda p: torch.optim.RAdam(p, lr=0.01, maximize=True),
    "Rprop": lambda p: torch.optim.Rprop(p, lr=0.01, etas=(0.4, 1.3), step_sizes=(1e-3, 0.02)),
    "ASGD": lambda p: torch.optim.ASGD(p, lr=0.05, t0=3, foreach=True),
    "SGD": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "LBFGS": lambda p: torch.optim.LBFGS(p, lr=0.5, max_iter=7, line_search_fn="strong_wolfe"),
}


def hyper_parameters():
    """Each optimizer's `param_groups[0]`: its numbers by key in the dict's order (tuples
    as `key[i]`, booleans as 0 or 1, `params`, None and strings left out)."""
    out = []
    for name, make in HYPER.items():
        opt = make([torch.zeros(1, requires_grad=True)])
        for key, value in opt.param_groups[0].items():
            if key == "params" or value is None or isinstance(value, str):
                continue
            values = value if isinstance(value, tuple) else (value,)
            for i, v in enumerate(values):
                k = f"{key}[{i}]" if isinstance(value, tuple) else key
                out.append((f"{name}.{k}", torch.tensor([float(v)], dtype=torch.float64)))
    return out


def plateau_metric(e):
    """The metric the ReduceLROnPlateau entry steps on: improving, with plateaus."""
    return (e % 9) * 0.1 + 1.0 / (1 + e)


def plateau():
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.1)
    sched = lr_scheduler.ReduceLROnPlateau(
        opt, factor=0.5, patience=3, threshold=0.01, cooldown=2, min_lr=0.002
    )
    lrs = [sched.get_last_lr()[0]]
    for e in range(SCHEDULE_STEPS):
        opt.step()
        sched.step(plateau_metric(e))
        lrs.append(sched.get_last_lr()[0])
    return [("lr", torch.tensor(lrs, dtype=torch.float64))]


def forward_backward(x, f, g):
    """`y = f(x)` and `x.grad` under the upstream gradient `g` (through `(y * g).sum()`)."""
    y = f(x)
    (y * g).sum().backward()
    return [("y", y), ("x.grad", x.grad)]


def activation(f):
    torch.manual_seed(SEED)
    x = (torch.randn(1000) * 3).requires_grad_()
    g = torch.randn(1000)
    return [("input.x", x), ("input.g", g)] + forward_backward(x, f, g)


def linear_init():
    torch.manual_seed(SEED)
    l1 = nn.Linear(5, 7)
    l2 = nn.Linear(7, 3)
    return [(f"l1.{n}", p) for n, p in l1.named_parameters()] + [
        (f"l2.{n}", p) for n, p in l2.named_parameters()
    ]


def seq_init():
    torch.manual_seed(SEED)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    x = torch.randn(6, 4)
    return list(model.named_parameters()) + [("input.x", x), ("out", model(x))]


# The torch.nn.init entries: each function on a weight large enough for ATen's vectorised
# normal_ (16 values or more), on a convolution's 4-d weight, and on a weight of fewer than 16
# values (ATen's scalar normal_, in float64), as a notebook calls it on its layers' weights.
SHAPES = [(32, 8), (8, 4, 3, 3), (3, 4)]


def xavier(fill):
    torch.manual_seed(SEED)
    gains = [1.0, nn.init.calculate_gain("relu"), nn.init.calculate_gain("tanh")]
    out = []
    for i, (shape, gain) in enumerate(zip(SHAPES, gains)):
        w = torch.empty(shape)
        fill(w, gain=gain)
        out.append((f"w{i}", w))
    return out


def kaiming(fill):
    torch.manual_seed(SEED)
    args = [
        dict(nonlinearity="relu"),
        dict(mode="fan_out", nonlinearity="relu"),
        dict(a=0.2),
    ]
    out = []
    for i, (shape, kwargs) in enumerate(zip(SHAPES, args)):
        w = torch.empty(shape)
        fill(w, **kwargs)
        out.append((f"w{i}", w))
    return out


def nn_init():
    """Every torch.nn.init function ported, in turn, on each of SHAPES."""
    torch.manual_seed(SEED)
    init, gain = nn.init, nn.init.calculate_gain
    calls = [
        ("uniform", lambda w: init.uniform_(w, -0.5, 2.0)),
        ("normal", lambda w: init.normal_(w, 0.3, 1.5)),
        ("constant", lambda w: init.constant_(w, 0.7)),
        ("ones", init.ones_),
        ("zeros", init.zeros_),
        ("xavier_uniform", lambda w: init.xavier_uniform_(w, gain=gain("leaky_relu", 0.3))),
        ("xavier_normal", lambda w: init.xavier_normal_(w, gain=gain("selu"))),
        ("kaiming_uniform", init.kaiming_uniform_),
        ("kaiming_normal", lambda w: init.kaiming_normal_(w, a=0.1, mode="fan_out")),
    ]
    out = []
    for name, fill in calls:
        for i, shape in enumerate(SHAPES):
            w = torch.empty(shape)
            fill(w)
            out.append((f"{name}.w{i}", w))
    return out


def conv2d_init():
    torch.manual_seed(SEED)
    c1 = nn.Conv2d(3, 8, 3)
    c2 = nn.Conv2d(8, 4, 3, padding=1, groups=2)
    return [(f"c1.{n}", p) for n, p in c1.named_parameters()] + [
        (f"c2.{n}", p) for n, p in c2.named_parameters()
    ]


def conv2d():
    torch.manual_seed(SEED)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 4, 3, stride=2, groups=2)
    )
    out = [(n, p.detach().clone()) for n, p in model.named_parameters()]
    x = torch.randn(2, 3, 8, 8, requires_grad=True)
    g = torch.randn(2, 4, 3, 3)
    y = model(x)
    (y * g).sum().backward()
    out += [("input.x", x), ("input.g", g), ("y", y), ("x.grad", x.grad)]
    return out + [(f"{n}.grad", p.grad) for n, p in model.named_parameters()]


def embedding_init():
    torch.manual_seed(SEED)
    e1 = nn.Embedding(10, 4)
    e2 = nn.Embedding(3, 5)
    return [("e1.weight", e1.weight), ("e2.weight", e2.weight)]


def embedding_padding_idx():
    torch.manual_seed(SEED)
    emb = nn.Embedding(10, 4, padding_idx=0)
    weight = emb.weight.detach().clone()
    idx = torch.randint(10, (12,))
    g = torch.randn(12, 4)
    y = emb(idx)
    (y * g).sum().backward()
    out = [("weight", weight), ("input.idx", idx), ("input.g", g), ("y", y)]
    return out + [("weight.grad", emb.weight.grad)]


def bce():
    torch.manual_seed(SEED)
    logits = torch.randn(64, 1, requires_grad=True)
    y = (torch.rand(64, 1) > 0.5).float()
    loss = nn.BCELoss()(torch.sigmoid(logits), y)
    loss.backward()
    return [("input.logits", logits), ("input.y", y), ("loss", loss), ("logits.grad", logits.grad)]


def bce_with_logits():
    torch.manual_seed(SEED)
    logits = torch.randn(64, 1, requires_grad=True)
    y = (torch.rand(64, 1) > 0.5).float()
    loss = nn.BCEWithLogitsLoss()(logits, y)
    loss.backward()
    return [("input.logits", logits), ("input.y", y), ("loss", loss), ("logits.grad", logits.grad)]


def cross_entropy():
    torch.manual_seed(SEED)
    logits = torch.randn(32, 5, requires_grad=True)
    y = torch.randint(5, (32,))
    loss = nn.CrossEntropyLoss()(logits, y)
    loss.backward()
    return [("input.logits", logits), ("input.y", y), ("loss", loss), ("logits.grad", logits.grad)]


def mse_loss():
    torch.manual_seed(SEED)
    pred = torch.randn(32, 3, requires_grad=True)
    y = torch.randn(32, 3)
    loss = nn.MSELoss()(pred, y)
    loss.backward()
    return [("input.pred", pred), ("input.y", y), ("loss", loss), ("pred.grad", pred.grad)]


def softmax_entry(f):
    torch.manual_seed(SEED)
    x = torch.randn(16, 10, requires_grad=True)
    g = torch.randn(16, 10)
    return [("input.x", x), ("input.g", g)] + forward_backward(x, f, g)


# The DataLoader entries: a dataset of N rows in batches of B, three epochs of one loader,
# one of a second loader (drop_last=True), then a draw on the global generator.
N, B, EPOCHS = 100, 32, 3


def batches_of(loader):
    return torch.cat([xb for (xb,) in loader])


def dataloader(shuffle):
    torch.manual_seed(SEED)
    ds = TensorDataset(torch.arange(N))
    loader = DataLoader(ds, batch_size=B, shuffle=shuffle)
    out = [(f"epoch{e}", batches_of(loader)) for e in range(EPOCHS)]
    last = DataLoader(ds, batch_size=B, shuffle=shuffle, drop_last=True)
    out.append((f"epoch{EPOCHS}.drop_last", batches_of(last)))
    out.append(("after.rand", torch.rand(4)))
    return out


# The sampler entries: what each yields over two epochs (three for the loaders), then a draw
# on the global generator, which shows whether the sampler drew from it.
WEIGHTS = [0.1, 0.9, 0.4, 0.7, 3.0, 0.6, 0.0, 1.2]
SUBSET = [3, 14, 15, 92, 65, 35, 89, 79, 32, 38]


def ints(values):
    return torch.tensor(list(values), dtype=torch.int64)


def random_split_entry():
    torch.manual_seed(SEED)
    out = [(f"lengths.{i}", ints(s.indices)) for i, s in enumerate(random_split(range(N), [30, 50, 20]))]
    g = torch.Generator().manual_seed(42)
    out += [(f"fractions.{i}", ints(s.indices))
            for i, s in enumerate(random_split(range(N), [0.3, 0.3, 0.4], generator=g))]
    out.append(("after.rand", torch.rand(4)))
    return out


def random_sampler():
    torch.manual_seed(SEED)
    ds = range(N)
    with_replacement = RandomSampler(ds, replacement=True, num_samples=70)
    out = [(f"replacement.epoch{e}", ints(with_replacement)) for e in range(2)]
    more = RandomSampler(ds, num_samples=250)
    out.append(("num_samples.epoch0", ints(more)))
    g = torch.Generator().manual_seed(42)
    mine = RandomSampler(ds, replacement=True, num_samples=40, generator=g)
    out += [(f"generator.epoch{e}", ints(mine)) for e in range(2)]
    out.append(("after.rand", torch.rand(4)))
    return out


def subset_random_sampler():
    torch.manual_seed(SEED)
    out = [(f"global.epoch{e}", ints(SubsetRandomSampler(SUBSET))) for e in range(2)]
    g = torch.Generator().manual_seed(3)
    mine = SubsetRandomSampler(SUBSET, generator=g)
    out += [(f"generator.epoch{e}", ints(mine)) for e in range(2)]
    out.append(("after.rand", torch.rand(4)))
    return out


def weighted_random_sampler():
    torch.manual_seed(SEED)
    out = [(f"global.epoch{e}", ints(WeightedRandomSampler(WEIGHTS, 50))) for e in range(2)]
    out.append(("global.no_replacement", ints(WeightedRandomSampler(WEIGHTS, 5, replacement=False))))
    g = torch.Generator().manual_seed(11)
    mine = WeightedRandomSampler(WEIGHTS, 50, generator=g)
    out += [(f"generator.epoch{e}", ints(mine)) for e in range(2)]
    out.append(("after.rand", torch.rand(4)))
    return out


def batch_sampler():
    torch.manual_seed(SEED)
    out = []
    for drop_last in (False, True):
        batches = BatchSampler(RandomSampler(range(N)), B, drop_last=drop_last)
        out.append((f"drop_last={drop_last}.len", ints([len(batches)])))
        out += [(f"drop_last={drop_last}.epoch{e}", ints(i for b in batches for i in b)) for e in range(2)]
    out.append(("after.rand", torch.rand(4)))
    return out


def dataloader_generator():
    torch.manual_seed(SEED)
    ds = TensorDataset(torch.arange(N))
    g = torch.Generator().manual_seed(42)
    loader = DataLoader(ds, batch_size=B, shuffle=True, generator=g)
    out = [(f"epoch{e}", batches_of(loader)) for e in range(EPOCHS)]
    in_order = DataLoader(ds, batch_size=B, generator=g, drop_last=True)
    out.append((f"epoch{EPOCHS}.in_order", batches_of(in_order)))
    out.append((f"epoch{EPOCHS + 1}", batches_of(loader)))
    out.append(("after.rand", torch.rand(4)))
    return out


def dropout():
    torch.manual_seed(SEED)
    x = torch.randn(8, 16, requires_grad=True)
    g = torch.randn(8, 16)
    out = [("input.x", x), ("input.g", g)] + forward_backward(x, nn.Dropout(0.3), g)
    return out + [("after.rand", torch.rand(4))]


def rdiv():
    torch.manual_seed(SEED)
    x = (torch.rand(64) * 4 - 2).requires_grad_()
    g = torch.randn(64)
    y1 = 1.0 / x
    y3 = 3.0 / x
    (y1 * g + y3).sum().backward()
    out = [("input.x", x), ("input.g", g), ("one_over_x", y1), ("three_over_x", y3)]
    return out + [("x.grad", x.grad)]


def rsub():
    torch.manual_seed(SEED)
    x = (torch.round(torch.rand(64) * 4) / 2).requires_grad_()
    g = torch.randn(64)
    y = 1.0 - x
    (y * g).sum().backward()
    return [("input.x", x), ("input.g", g), ("y", y), ("x.grad", x.grad)]


def add_alpha():
    torch.manual_seed(SEED)
    a = torch.randn(1000)
    b = torch.randn(1000)
    return [("input.a", a), ("input.b", b), ("y", torch.add(a, b, alpha=0.3))]


ENTRIES = {
    "linear-init": linear_init,
    "seq-init": seq_init,
    "xavier-uniform": lambda: xavier(nn.init.xavier_uniform_),
    "xavier-normal": lambda: xavier(nn.init.xavier_normal_),
    "kaiming-uniform": lambda: kaiming(nn.init.kaiming_uniform_),
    "kaiming-normal": lambda: kaiming(nn.init.kaiming_normal_),
    "nn-init": nn_init,
    "conv2d-init": conv2d_init,
    "conv2d": conv2d,
    "embedding-init": embedding_init,
    "embedding-padding-idx": embedding_padding_idx,
    "adam": lambda: train(lambda p: torch.optim.Adam(p, lr=0.01)),
    "adam-weight-decay": lambda: train(lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.01)),
    "adam-amsgrad": lambda: train(lambda p: torch.optim.Adam(p, lr=0.01, amsgrad=True)),
    "adamw": lambda: train(lambda p: torch.optim.AdamW(p, lr=0.01)),
    "sgd": lambda: train(lambda p: torch.optim.SGD(p, lr=0.1)),
    "sgd-momentum": lambda: train(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    "sgd-nesterov-weight-decay": lambda: train(
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3)
    ),
    "rmsprop": lambda: train(lambda p: torch.optim.RMSprop(p, lr=0.01)),
    "rmsprop-momentum-centered": lambda: train(
        lambda p: torch.optim.RMSprop(p, lr=0.01, momentum=0.9, centered=True, weight_decay=0.01)
    ),
    "rmsprop-maximize": lambda: train(lambda p: torch.optim.RMSprop(p, lr=0.01, maximize=True)),
    "adagrad": lambda: train(lambda p: torch.optim.Adagrad(p, lr=0.1)),
    "adagrad-options": lambda: train(
        lambda p: torch.optim.Adagrad(
            p, lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1,
            maximize=True,
        )
    ),
    "adadelta": lambda: train(lambda p: torch.optim.Adadelta(p)),
    "adadelta-options": lambda: train(
        lambda p: torch.optim.Adadelta(p, lr=0.5, rho=0.8, weight_decay=0.01, maximize=True)
    ),
    # max_norm below the first step's total norm in each type (about 2.6, 28 and 0.8), and
    # clip_value below most gradients' largest values: each clips from the first step.
    # ---- optim2: the rest of torch.optim ----
    "sgd-dampening-maximize": lambda: train(
        lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, dampening=0.3, maximize=True)
    ),
    "adamax": lambda: train(lambda p: torch.optim.Adamax(p, lr=0.01)),
    "adamax-options": lambda: train(
        lambda p: torch.optim.Adamax(
            p, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01, maximize=True
        )
    ),
    "nadam": lambda: train(lambda p: torch.optim.NAdam(p, lr=0.01)),
    "nadam-options": lambda: train(
        lambda p: torch.optim.NAdam(
            p, lr=0.01, weight_decay=0.01, momentum_decay=0.01, maximize=True
        )
    ),
    "nadamw": lambda: train(
        lambda p: torch.optim.NAdam(p, lr=0.01, weight_decay=0.01, decoupled_weight_decay=True)
    ),
    "radam": lambda: train(lambda p: torch.optim.RAdam(p, lr=0.01)),
    "radam-options": lambda: train(
        lambda p: torch.optim.RAdam(p, lr=0.01, betas=(0.8, 0.99), weight_decay=0.01, maximize=True)
    ),
    "radamw": lambda: train(
        lambda p: torch.optim.RAdam(p, lr=0.01, weight_decay=0.01, decoupled_weight_decay=True)
    ),
    "rprop": lambda: train(lambda p: torch.optim.Rprop(p, lr=0.01)),
    "rprop-options": lambda: train(
        lambda p: torch.optim.Rprop(
            p, lr=0.01, etas=(0.4, 1.3), step_sizes=(1e-3, 0.02), maximize=True
        )
    ),
    "asgd": lambda: train(lambda p: torch.optim.ASGD(p, lr=0.01), record=asgd_ax),
    "asgd-options": lambda: train(
        lambda p: torch.optim.ASGD(
            p, lr=0.05, lambd=1e-3, alpha=0.6, t0=3, weight_decay=0.01, maximize=True
        ),
        record=asgd_ax,
    ),
    "adam-maximize": lambda: train(lambda p: torch.optim.Adam(p, lr=0.01, maximize=True)),
    # foreach=True: the _multi_tensor_* functions, which CPU tensors take only when asked.
    "nadam-foreach": lambda: train(
        lambda p: torch.optim.NAdam(p, lr=0.01, weight_decay=0.01, foreach=True)
    ),
    "radam-foreach": lambda: train(lambda p: torch.optim.RAdam(p, lr=0.01, foreach=True)),
    "asgd-foreach": lambda: train(
        lambda p: torch.optim.ASGD(p, lr=0.05, t0=3, weight_decay=0.01, foreach=True),
        record=asgd_ax,
    ),
    "adam-foreach": lambda: train(
        lambda p: torch.optim.Adam(p, lr=0.01, amsgrad=True, weight_decay=0.01, foreach=True)
    ),
    "adamw-foreach": lambda: train(lambda p: torch.optim.AdamW(p, lr=0.01, foreach=True)),
    "adamax-foreach": lambda: train(lambda p: torch.optim.Adamax(p, lr=0.01, foreach=True)),
    "rprop-foreach": lambda: train(lambda p: torch.optim.Rprop(p, lr=0.01, foreach=True)),
    "sgd-foreach": lambda: train(
        lambda p: torch.optim.SGD(
            p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3, foreach=True
        )
    ),
    "rmsprop-foreach": lambda: train(
        lambda p: torch.optim.RMSprop(
            p, lr=0.01, momentum=0.9, centered=True, weight_decay=0.01, foreach=True
        )
    ),
    "adagrad-foreach": lambda: train(lambda p: torch.optim.Adagrad(p, lr=0.1, foreach=True)),
    "adadelta-foreach": lambda: train(lambda p: torch.optim.Adadelta(p, foreach=True)),
    # Two param groups with their own lr and weight_decay.
    "param-groups": lambda: train(
        lambda m: torch.optim.Adam(
            [
                {"params": m[0].parameters(), "lr": 0.02},
                {"params": m[2].parameters(), "weight_decay": 0.01},
            ],
            lr=0.01,
        ),
        groups=True,
    ),
    "sgd-zero-grad-keep": lambda: train(
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), set_to_none=False
    ),
    "lbfgs": lambda: train_closure(
        lambda p: torch.optim.LBFGS(p, lr=1, max_iter=5, history_size=3)
    ),
    # lr=5: the line search's zoom phase (cubic steps inside a bracket); lr=0.05: its
    # extrapolation (cubic steps bounded beyond the last), up to max_eval.
    "lbfgs-strong-wolfe": lambda: train_closure(
        lambda p: torch.optim.LBFGS(p, lr=5, max_iter=5, line_search_fn="strong_wolfe")
    ),
    "lbfgs-strong-wolfe-short": lambda: train_closure(
        lambda p: torch.optim.LBFGS(p, lr=0.05, max_iter=5, line_search_fn="strong_wolfe")
    ),
    "clip-grad-norm": lambda: train(
        lambda p: torch.optim.SGD(p, lr=0.1), lambda p: nn.utils.clip_grad_norm_(p, 1.0)
    ),
    "clip-grad-norm-1": lambda: train(
        lambda p: torch.optim.SGD(p, lr=0.1), lambda p: nn.utils.clip_grad_norm_(p, 5.0, 1.0)
    ),
    "clip-grad-norm-inf": lambda: train(
        lambda p: torch.optim.SGD(p, lr=0.1),
        lambda p: nn.utils.clip_grad_norm_(p, 0.25, float("inf")),
    ),
    "clip-grad-value": lambda: train(
        lambda p: torch.optim.SGD(p, lr=0.1), lambda p: nn.utils.clip_grad_value_(p, 0.1)
    ),
    "step-lr": lambda: schedule(lambda o: lr_scheduler.StepLR(o, step_size=7, gamma=0.9)),
    "multi-step-lr": lambda: schedule(
        lambda o: lr_scheduler.MultiStepLR(o, milestones=[10, 30, 30, 60], gamma=0.3)
    ),
    "exponential-lr": lambda: schedule(lambda o: lr_scheduler.ExponentialLR(o, gamma=0.97)),
    "cosine-annealing-lr": lambda: schedule(
        lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=30, eta_min=0.001)
    ),
    "linear-lr": lambda: schedule(
        lambda o: lr_scheduler.LinearLR(o, start_factor=0.25, total_iters=20)
    ),
    "lambda-lr": lambda: schedule(lambda o: lr_scheduler.LambdaLR(o, lambda e: 0.95**e)),
    "cosine-annealing-warm-restarts": lambda: schedule(
        lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=0.001)
    ),
    "multiplicative-lr": lambda: schedule(
        lambda o: lr_scheduler.MultiplicativeLR(o, lambda e: 0.95)
    ),
    "constant-lr": lambda: schedule(
        lambda o: lr_scheduler.ConstantLR(o, factor=0.4, total_iters=10)
    ),
    "polynomial-lr": lambda: schedule(
        lambda o: lr_scheduler.PolynomialLR(o, total_iters=60, power=2.0)
    ),
    "reduce-lr-on-plateau": plateau,
    "cyclic-lr": lambda: schedule(
        lambda o: lr_scheduler.CyclicLR(o, 0.001, 0.1, step_size_up=7, step_size_down=12)
    ),
    "cyclic-lr-triangular2": lambda: schedule(
        lambda o: lr_scheduler.CyclicLR(o, 0.001, 0.1, step_size_up=9, mode="triangular2")
    ),
    "cyclic-lr-exp-range": lambda: schedule(
        lambda o: lr_scheduler.CyclicLR(
            o, 0.001, 0.1, step_size_up=9, mode="exp_range", gamma=0.99
        )
    ),
    "one-cycle-lr": lambda: schedule(lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=100)),
    "one-cycle-lr-three-phase-linear": lambda: schedule(
        lambda o: lr_scheduler.OneCycleLR(
            o, 0.1, total_steps=100, anneal_strategy="linear", three_phase=True
        )
    ),
    "sequential-lr": lambda: schedule(
        lambda o: lr_scheduler.SequentialLR(
            o,
            [
                lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=5),
                lr_scheduler.ExponentialLR(o, gamma=0.9),
                lr_scheduler.CosineAnnealingLR(o, T_max=20, eta_min=0.001),
            ],
            milestones=[5, 30],
        )
    ),
    "sequential-lr-step": lambda: schedule(
        lambda o: lr_scheduler.SequentialLR(
            o,
            [
                lr_scheduler.ConstantLR(o, factor=0.3, total_iters=4),
                lr_scheduler.StepLR(o, step_size=7, gamma=0.5),
                lr_scheduler.PolynomialLR(o, total_iters=30, power=2.0),
                lr_scheduler.MultiStepLR(o, milestones=[5, 9], gamma=0.7),
            ],
            milestones=[10, 40, 60],
        )
    ),
    "chained-scheduler": lambda: schedule(
        lambda o: lr_scheduler.ChainedScheduler(
            [
                lr_scheduler.ConstantLR(o, factor=0.5, total_iters=10),
                lr_scheduler.CosineAnnealingLR(o, T_max=30, eta_min=0.001),
                lr_scheduler.ExponentialLR(o, gamma=0.97),
            ]
        )
    ),
    "multi-group-cosine": multi_group_cosine,
    "hyper-parameters": hyper_parameters,
    "adam-one-cycle-lr": lambda: train(
        lambda p: torch.optim.Adam(p, lr=0.01),
        make_scheduler=lambda o: lr_scheduler.OneCycleLR(o, 0.05, total_steps=STEPS),
    ),
    "bce": bce,
    "bce-with-logits": bce_with_logits,
    "cross-entropy": cross_entropy,
    "dataloader-shuffle": lambda: dataloader(True),
    "iter2-shuffle": lambda: dataloader(True),
    "dataloader-no-shuffle": lambda: dataloader(False),
    "random-split": random_split_entry,
    "random-sampler": random_sampler,
    "subset-random-sampler": subset_random_sampler,
    "weighted-random-sampler": weighted_random_sampler,
    "batch-sampler": batch_sampler,
    "dataloader-generator": dataloader_generator,
    "dropout": dropout,
    "rdiv": rdiv,
    "rsub": rsub,
    "add-alpha": add_alpha,
    "gelu": lambda: activation(F.gelu),
    "gelu-tanh": lambda: activation(lambda x: F.gelu(x, approximate="tanh")),
    "tanh": lambda: activation(torch.tanh),
    "silu": lambda: activation(F.silu),
    "leaky-relu": lambda: activation(F.leaky_relu),
    "softplus": lambda: activation(F.softplus),
    "elu": lambda: activation(F.elu),
    "mse-loss": mse_loss,
    "log-softmax": lambda: softmax_entry(lambda x: F.log_softmax(x, dim=-1)),
    "softmax": lambda: softmax_entry(lambda x: F.softmax(x, dim=-1)),
}


# ---- layers (torch.nn.modules): recurrent, ... ---------------------------------------------
# The recurrent entries: 5 inputs, 6 hidden, two layers, both directions, batch_first (tch's
# default), 3 sequences of 4 steps.


def recurrent_init(make):
    torch.manual_seed(SEED)
    model = make()
    return [(f"rnn.{n}", p) for n, p in model.named_parameters()]


def recurrent(make, cell_state):
    """The parameters as drawn; `model(x, h0)` (`(h0, c0)` for an LSTM) and `model(x)`; the
    gradients of the input and every parameter under random upstream gradients. Dropout
    between the layers draws on the global generator, in training mode."""
    torch.manual_seed(SEED)
    model = make()
    out = [(f"rnn.{n}", p.detach().clone()) for n, p in model.named_parameters()]
    x = torch.randn(3, 4, 5, requires_grad=True)
    h0 = torch.randn(model.num_layers * 2, 3, 6)
    c0 = torch.randn(model.num_layers * 2, 3, 6) if cell_state else None
    g = torch.randn(3, 4, 12)
    gh = torch.randn(model.num_layers * 2, 3, 6)
    out += [("input.x", x), ("input.h0", h0)]
    out += [("input.c0", c0)] if cell_state else []
    out += [("input.g", g), ("input.gh", gh)]
    y, state = model(x, (h0, c0) if cell_state else h0)
    h = state[0] if cell_state else state
    y0, _ = model(x)
    loss = (y * g).sum() + (h * gh).sum() + y0.sum()
    if cell_state:
        loss = loss + state[1].sum()
    loss.backward()
    out += [("y", y), ("h", h)] + ([("c", state[1])] if cell_state else []) + [("y0", y0)]
    out += [("x.grad", x.grad)]
    return out + [(f"rnn.{n}.grad", p.grad) for n, p in model.named_parameters()]


def cell(make, lstm):
    """A cell over 4 steps of a batch of 3, from `hx=None`, then once on one unbatched
    sample from a given state; the gradients of the input and every parameter."""
    torch.manual_seed(SEED)
    model = make()
    out = [(f"cell.{n}", p.detach().clone()) for n, p in model.named_parameters()]
    x = torch.randn(4, 3, 5, requires_grad=True)
    g = torch.randn(4, 3, 6)
    h1 = torch.randn(6)
    out += [("input.x", x), ("input.g", g), ("input.h1", h1)]
    hx, hs = None, []
    for t in range(4):
        hx = model(x[t], hx)
        hs.append(hx[0] if lstm else hx)
    hs = torch.stack(hs)
    one = model(x[0, 0], (h1, h1) if lstm else h1)
    one = one[0] + one[1] if lstm else one
    ((hs * g).sum() + one.sum()).backward()
    out += [("h", hs), ("one", one), ("x.grad", x.grad)]
    return out + [(f"cell.{n}.grad", p.grad) for n, p in model.named_parameters()]


LSTM_ARGS = dict(num_layers=2, bidirectional=True, batch_first=True)
FORWARD_ARGS = dict(LSTM_ARGS, dropout=0.25)
LAYER_ENTRIES = {
    "lstm-init": lambda: recurrent_init(lambda: nn.LSTM(5, 6, **LSTM_ARGS)),
    "gru-init": lambda: recurrent_init(lambda: nn.GRU(5, 6, **LSTM_ARGS)),
    "lstm": lambda: recurrent(lambda: nn.LSTM(5, 6, **FORWARD_ARGS), True),
    "gru": lambda: recurrent(lambda: nn.GRU(5, 6, **FORWARD_ARGS), False),
    "rnn-tanh": lambda: recurrent(lambda: nn.RNN(5, 6, **FORWARD_ARGS), False),
    "rnn-relu": lambda: recurrent(
        lambda: nn.RNN(5, 6, nonlinearity="relu", **FORWARD_ARGS), False
    ),
    "lstm-cell": lambda: cell(lambda: nn.LSTMCell(5, 6), True),
    "gru-cell": lambda: cell(lambda: nn.GRUCell(5, 6), False),
    "rnn-cell": lambda: cell(lambda: nn.RNNCell(5, 6, nonlinearity="relu"), False),
}


def layer_forward(make, *shapes):
    """A layer's (or an nn.Sequential's) parameters as drawn, its output on random inputs of
    `shapes`, and the gradients of the inputs and every parameter under a random upstream
    gradient drawn after the forward."""
    torch.manual_seed(SEED)
    model = make()
    out = [(n, p.detach().clone()) for n, p in model.named_parameters()]
    xs = [torch.randn(*s, requires_grad=True) for s in shapes]
    y = model(*xs)
    g = torch.randn(y.shape)
    (y * g).sum().backward()
    out += [(f"input.x{i}", x) for i, x in enumerate(xs)] + [("input.g", g), ("y", y)]
    out += [(f"x{i}.grad", x.grad) for i, x in enumerate(xs)]
    return out + [(f"{n}.grad", p.grad) for n, p in model.named_parameters()]


def layers_init(*makes):
    torch.manual_seed(SEED)
    out = []
    for i, make in enumerate(makes):
        out += [(f"l{i}.{n}", p) for n, p in make().named_parameters()]
    return out


LAYER_ENTRIES.update({
    "conv1d-init": lambda: layers_init(
        lambda: nn.Conv1d(3, 8, 3), lambda: nn.Conv1d(8, 4, 3, padding=1, groups=2)
    ),
    "conv1d": lambda: layer_forward(
        lambda: nn.Sequential(
            nn.Conv1d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv1d(8, 4, 3, stride=2, groups=2)
        ),
        (2, 3, 10),
    ),
    "conv3d": lambda: layer_forward(lambda: nn.Conv3d(2, 4, 3, padding=1), (2, 2, 5, 5, 5)),
    "conv-transpose2d-init": lambda: layers_init(
        lambda: nn.ConvTranspose2d(4, 6, 3),
        lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, output_padding=1, groups=2),
    ),
    "conv-transpose1d": lambda: layer_forward(
        lambda: nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1), (2, 4, 7)
    ),
    "conv-transpose2d": lambda: layer_forward(
        lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2, dilation=2), (2, 4, 5, 5)
    ),
    "bilinear": lambda: layer_forward(lambda: nn.Bilinear(5, 4, 3), (8, 5), (8, 4)),
})
def batch_norm(make, shape):
    """`model.state_dict()` as made; two training passes (on `x`, then `2x + 1`), then one in
    eval mode; `state_dict()` after, the input's and every parameter's gradients (of the
    first pass). The inputs are drawn before the model (tch's BatchNorm draws its weight)."""
    torch.manual_seed(SEED)
    x = torch.randn(*shape, requires_grad=True)
    g = torch.randn(shape[0], 4, *(d - 2 for d in shape[2:]))  # after a 3 x 3 kernel
    model = make()
    out = [("input.x", x), ("input.g", g)]
    out += [(f"init.{n}", t.clone()) for n, t in model.state_dict().items()]
    y1 = model(x)
    y2 = model(x * 2 + 1)
    (y1 * g).sum().backward()
    model.eval()
    y3 = model(x)
    out += [("y1", y1), ("y2", y2), ("y3", y3), ("x.grad", x.grad)]
    out += list(model.state_dict().items())
    return out + [(f"{n}.grad", p.grad) for n, p in model.named_parameters()]


LAYER_ENTRIES.update({
    "batch-norm2d": lambda: batch_norm(
        lambda: nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)), (6, 3, 5, 5)
    ),
    "batch-norm1d": lambda: batch_norm(
        lambda: nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4)), (8, 5)
    ),
    "layer-norm": lambda: layer_forward(lambda: nn.LayerNorm([3, 6]), (4, 3, 6)),
    "group-norm": lambda: layer_forward(lambda: nn.GroupNorm(2, 6), (4, 6, 5)),
})
def nll_loss():
    torch.manual_seed(SEED)
    logits = torch.randn(32, 5, requires_grad=True)
    y = torch.randint(5, (32,))
    lp = F.log_softmax(logits, dim=-1)
    mean = F.nll_loss(lp, y)
    total = F.nll_loss(lp, y, reduction="sum")
    (mean + total).backward()
    return [("input.logits", logits), ("input.y", y), ("mean", mean), ("sum", total)] + [
        ("logits.grad", logits.grad)
    ]


def dropout_eval():
    torch.manual_seed(SEED)
    x = torch.randn(8, 16, requires_grad=True)
    g = torch.randn(8, 16)
    out = [("input.x", x), ("input.g", g)] + forward_backward(x, nn.Dropout(0.3).eval(), g)
    return out + [("after.rand", torch.rand(4))]


def max_pool2d():
    torch.manual_seed(SEED)
    x = torch.randn(2, 3, 8, 8, requires_grad=True)
    g = torch.randn(2, 3, 4, 4)
    return [("input.x", x), ("input.g", g)] + forward_backward(x, lambda x: F.max_pool2d(x, 2), g)


LAYER_ENTRIES.update({
    "max-pool2d": max_pool2d,
    "nll-loss": nll_loss,
    "dropout-eval": dropout_eval,
})
def padding_mask():
    """Key padding: batch 1's last position, batch 2's last two."""
    kpm = torch.zeros(3, 5, dtype=torch.bool)
    kpm[1, -1] = True
    kpm[2, -2:] = True
    return kpm


def causal_mask():
    return torch.triu(torch.ones(5, 5), diagonal=1).bool()


def multihead_attention():
    """`nn.MultiheadAttention(8, 2, dropout=0.1, batch_first=True)` in training: self-attention
    with both masks and the weights, self-attention without weights (the
    scaled_dot_product_attention branch), encoder-decoder attention; then backward."""
    torch.manual_seed(SEED)
    mha = nn.MultiheadAttention(8, 2, dropout=0.1, batch_first=True)
    out = [(f"attn.{n}", p.detach().clone()) for n, p in mha.named_parameters()]
    x = torch.randn(3, 5, 8, requires_grad=True)
    mem = torch.randn(3, 7, 8, requires_grad=True)
    g = torch.randn(3, 5, 8)
    gw = torch.randn(3, 5, 5)
    out += [("input.x", x), ("input.mem", mem), ("input.g", g), ("input.gw", gw)]
    y1, w1 = mha(x, x, x, key_padding_mask=padding_mask(), attn_mask=causal_mask())
    y2, _ = mha(x, x, x, need_weights=False)
    y3, w3 = mha(x, mem, mem, average_attn_weights=False)
    ((y1 * g).sum() + (w1 * gw).sum() + (y2 * g).sum() + (y3 * g).sum() + w3.sum()).backward()
    out += [("y1", y1), ("w1", w1), ("y2", y2), ("y3", y3), ("w3", w3)]
    out += [("x.grad", x.grad), ("mem.grad", mem.grad)]
    return out + [(f"attn.{n}.grad", p.grad) for n, p in mha.named_parameters()]


def multihead_attention_eval():
    """In eval mode under no_grad: PyTorch's fast path, with and without the weights."""
    torch.manual_seed(SEED)
    mha = nn.MultiheadAttention(8, 2, dropout=0.1, batch_first=True).eval()
    x = torch.randn(3, 5, 8)
    with torch.no_grad():
        y1, w1 = mha(x, x, x, key_padding_mask=padding_mask())
        y2, _ = mha(x, x, x, need_weights=False)
    return [("input.x", x), ("y1", y1), ("w1", w1), ("y2", y2)]


def encoder_layers():
    return [
        nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True),
        nn.TransformerEncoderLayer(
            8, 2, dim_feedforward=16, activation="gelu", batch_first=True, norm_first=True
        ),
    ]


def transformer_encoder_layer():
    """Two layers (post-norm relu; pre-norm gelu) in training, dropout 0.1, with a causal
    mask and key padding; backward."""
    torch.manual_seed(SEED)
    layers = encoder_layers()
    out = []
    for i, layer in enumerate(layers):
        out += [(f"l{i}.{n}", p.detach().clone()) for n, p in layer.named_parameters()]
    x = torch.randn(3, 5, 8, requires_grad=True)
    g = torch.randn(3, 5, 8)
    out += [("input.x", x), ("input.g", g)]
    y0 = layers[0](x, src_mask=causal_mask(), src_key_padding_mask=padding_mask())
    y1 = layers[1](y0)
    (y1 * g).sum().backward()
    out += [("y0", y0), ("y1", y1), ("x.grad", x.grad)]
    for i, layer in enumerate(layers):
        out += [(f"l{i}.{n}.grad", p.grad) for n, p in layer.named_parameters()]
    return out


def transformer_encoder_layer_eval():
    """The same layers in eval mode under no_grad: PyTorch's fast path."""
    torch.manual_seed(SEED)
    layers = [layer.eval() for layer in encoder_layers()]
    x = torch.randn(3, 5, 8)
    with torch.no_grad():
        y0 = layers[0](x, src_key_padding_mask=padding_mask())
        y1 = layers[1](y0)
    return [("input.x", x), ("y0", y0), ("y1", y1)]


LAYER_ENTRIES.update({
    "multihead-attention": multihead_attention,
    "multihead-attention-eval": multihead_attention_eval,
    "transformer-encoder-layer": transformer_encoder_layer,
    "transformer-encoder-layer-eval": transformer_encoder_layer_eval,
})
def embedding_max_norm():
    """`nn.Embedding(10, 4, max_norm=1.0)` (the weight's rows have norms about 2): two
    lookups, each renormalising the rows it looks up, and the weight's gradient."""
    torch.manual_seed(SEED)
    emb = nn.Embedding(10, 4, max_norm=1.0)
    idx1 = torch.randint(10, (6,))
    idx2 = torch.randint(10, (2, 3))
    g = torch.randn(6, 4)
    y1 = emb(idx1)
    y2 = emb(idx2)
    ((y1 * g).sum() + y2.sum()).backward()
    out = [("input.idx1", idx1), ("input.idx2", idx2), ("input.g", g)]
    return out + [("y1", y1), ("y2", y2), ("weight", emb.weight), ("weight.grad", emb.weight.grad)]


LAYER_ENTRIES.update({"embedding-max-norm": embedding_max_norm})
def transformer_decoder_layer():
    """Two decoder layers (post-norm relu with a causal target mask and both key paddings;
    pre-norm gelu) on a memory of 7, in training, dropout 0.1; backward; then both in eval
    mode under no_grad (the self-attention's fast path)."""
    torch.manual_seed(SEED)
    layers = [
        nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, batch_first=True),
        nn.TransformerDecoderLayer(
            8, 2, dim_feedforward=16, activation="gelu", batch_first=True, norm_first=True
        ),
    ]
    out = []
    for i, layer in enumerate(layers):
        out += [(f"l{i}.{n}", p.detach().clone()) for n, p in layer.named_parameters()]
    x = torch.randn(3, 5, 8, requires_grad=True)
    mem = torch.randn(3, 7, 8, requires_grad=True)
    mem_kpm = torch.zeros(3, 7, dtype=torch.bool)
    mem_kpm[0, -3:] = True
    g = torch.randn(3, 5, 8)
    out += [("input.x", x), ("input.mem", mem), ("input.g", g)]
    y0 = layers[0](
        x, mem, tgt_mask=causal_mask(), tgt_key_padding_mask=padding_mask(),
        memory_key_padding_mask=mem_kpm,
    )
    y1 = layers[1](y0, mem)
    (y1 * g).sum().backward()
    out += [("y0", y0), ("y1", y1), ("x.grad", x.grad), ("mem.grad", mem.grad)]
    for i, layer in enumerate(layers):
        out += [(f"l{i}.{n}.grad", p.grad) for n, p in layer.named_parameters()]
    with torch.no_grad():
        e0 = layers[0].eval()(x, mem, tgt_key_padding_mask=padding_mask())
        e1 = layers[1].eval()(e0, mem)
    return out + [("eval.y0", e0), ("eval.y1", e1)]


LAYER_ENTRIES.update({"transformer-decoder-layer": transformer_decoder_layer})
ENTRIES.update(LAYER_ENTRIES)


def text(t):
    t = t.detach().flatten()
    if t.is_floating_point():
        return " ".join(repr(v) for v in t.double().tolist())
    return " ".join(str(v) for v in t.tolist())


def main():
    ids = sys.argv[1:] or list(ENTRIES)
    unknown = [i for i in ids if i not in ENTRIES]
    if unknown:
        sys.exit(f"unknown entries {unknown}; known: {' '.join(ENTRIES)}")
    for i in ids:
        for name, t in ENTRIES[i]():
            print(f"{i}\t{name}\t{text(t)}")


if __name__ == "__main__":
    main()
