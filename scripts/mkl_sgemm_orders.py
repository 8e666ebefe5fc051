"""Which summation order MKL's sgemm follows, inside libtorch, for every product the PyTorch
notebooks make: for each call (000's and 001's forward and backward at h = 4 and 2, 003's
`h1 @ W2`) it draws random operands, runs the call through torch, and counts how many results
each candidate order reproduces bit for bit (unfused or fused, left to right or reversed,
pairwise, even/odd lanes; the bias last or first). Then it shows where a sum starts with
all-(-0) products (+0 or -0). Run it under the switches to measure (`MKL_ENABLE_INSTRUCTIONS`,
`MKL_CBWR`) on the machine whose path `src/kernels/mkl/` should learn:

    .venv/bin/python scripts/mkl_sgemm_orders.py [SEED]

On an AMD EPYC (2026-12-03) every call matched `seq` (`seq+b` with a bias) in full, whatever
the switches said. On a Xeon with AMX (2026-12-07) each Intel level matched one candidate per
call in full except AVX-512's `fc2` at h=4, which an exhaustive search over every binary tree
of products (fused or not) and bias found to be `((fma(a1,b1,p0) + p3) + p2) + b`; the table
per path is in src/kernels/mkl/gemm.rs. Fused products are computed through float64, which
rounds twice on about one draw in 2^29: a count one short of the total means that, not another order."""

import sys

import numpy as np
import torch

torch.set_num_threads(1)
rng = np.random.default_rng(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
N = 4000
F = np.float32


def f(x):
    return np.asarray(x, dtype=F)


def mul(a, b):
    return f(f(a) * f(b))


def add(a, b):
    return f(f(a) + f(b))


def fma(a, b, c):
    return f(np.float64(a) * np.float64(b) + np.float64(c))


def draw(shape):
    return (rng.standard_normal(shape) * 2.0 ** rng.integers(-6, 7, shape)).astype(F)


def candidates(a, b, bias):
    """Each candidate order's results; a[..., k] and b[..., k] are the terms' factors."""
    k = a.shape[-1]
    p = [mul(a[..., i], b[..., i]) for i in range(k)]
    orders = {}
    s = p[0]
    for i in range(1, k):
        s = add(s, p[i])
    orders["seq"] = s
    s = p[0]
    for i in range(1, k):
        s = fma(a[..., i], b[..., i], s)
    orders["seqfma"] = s
    s = p[k - 1]
    for i in range(k - 2, -1, -1):
        s = add(s, p[i])
    orders["rev"] = s
    s = p[k - 1]
    for i in range(k - 2, -1, -1):
        s = fma(a[..., i], b[..., i], s)
    orders["revfma"] = s
    if k == 4:
        orders["pair"] = add(add(p[0], p[1]), add(p[2], p[3]))
        orders["pairfma"] = add(fma(a[..., 1], b[..., 1], p[0]), fma(a[..., 3], b[..., 3], p[2]))
        orders["evenodd"] = add(add(p[0], p[2]), add(p[1], p[3]))
        orders["evenoddfma"] = add(fma(a[..., 2], b[..., 2], p[0]), fma(a[..., 3], b[..., 3], p[1]))
    if bias is None:
        return orders
    out = {name + "+b": add(v, bias) for name, v in orders.items()}
    s, t = bias, bias
    for i in range(k):
        s = fma(a[..., i], b[..., i], s)
        t = add(t, p[i])
    out["b+seqfma"], out["b+seq"] = s, t
    return out


def report(label, want, a, b, bias):
    found = sorted(
        ((int(np.sum(v.view(np.uint32) == want.view(np.uint32))), name) for name, v in candidates(a, b, bias).items()),
        reverse=True,
    )
    print(f"{label:34s} " + "  ".join(f"{name}:{n}/{want.size}" for n, name in found[:4]))


def t(x):
    return torch.from_numpy(x)


for h in (4, 2):
    X, W, B = draw((N, 4, 2)), draw((N, h, 2)), draw((N, h))
    want = np.stack([torch.addmm(t(B[i]), t(X[i]), t(W[i]).t()).numpy() for i in range(N)])
    report(f"addmm(b1, x, w1.t()) h={h}", want, X[:, :, None, :], W[:, None, :, :], B[:, None, :])
    H, W2, B2 = draw((N, 4, h)), draw((N, 1, h)), draw((N, 1))
    want = np.stack([torch.addmm(t(B2[i]), t(H[i]), t(W2[i]).t()).numpy() for i in range(N)])
    report(f"addmm(b2, hidden, w2.t()) h={h}", want, H[:, :, None, :], W2[:, None, :, :], B2[:, None, :])
    G = draw((N, 4, 1))
    want = np.stack([t(G[i]).t().mm(t(H[i])).numpy() for i in range(N)])
    report(f"grad.t().mm(hidden) h={h}", want, np.transpose(G, (0, 2, 1))[:, :, None, :], np.transpose(H, (0, 2, 1))[:, None, :, :], None)
    GZ = draw((N, 4, h))
    want = np.stack([t(GZ[i]).t().mm(t(X[i])).numpy() for i in range(N)])
    report(f"grad.t().mm(x) h={h}", want, np.transpose(GZ, (0, 2, 1))[:, :, None, :], np.transpose(X, (0, 2, 1))[:, None, :, :], None)
H1, W2 = draw((N, 1, 4)), draw((N, 4, 1))
want = np.stack([t(H1[i]).mm(t(W2[i])).numpy() for i in range(N)])
report("h1 @ W2 (003)", want, H1[:, :, None, :], np.transpose(W2, (0, 2, 1))[:, None, :, :], None)

print("all-(-0) products, -0 bias where there is one (-0.0: the sum starts from the first product):")
def neg(*shape):
    return -torch.ones(*shape)


for h in (2, 4):
    print(f"  h={h} addmm(b1, x, w1.t())  ", torch.addmm(-torch.zeros(h), torch.zeros(4, 2), neg(h, 2).t())[0, 0].item())
    print(f"  h={h} addmm(b2, hidden, w2.t())", torch.addmm(-torch.zeros(1), torch.zeros(4, h), neg(1, h).t())[0, 0].item())
    print(f"  h={h} grad.t().mm(hidden)   ", neg(4, 1).t().mm(torch.zeros(4, h))[0, 0].item())
    print(f"  h={h} grad.mm(w2)           ", neg(4, 1).mm(torch.zeros(1, h))[0, 0].item())
    print(f"  h={h} grad.t().mm(x)        ", neg(4, h).t().mm(torch.zeros(4, 2))[0, 0].item())
print("  h1 @ W2 (003)            ", torch.zeros(1, 4).mm(neg(4, 1))[0, 0].item())
