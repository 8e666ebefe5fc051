"""A small transformer classifier (69 250 parameters) written by hand, as many scripts write
one: token embedding plus a learned positional embedding, two pre-LayerNorm encoder blocks
(multi-head self-attention from nn.Linear q/k/v projections, softmax(QKᵀ/√d) and an output
projection; a GELU MLP), a final LayerNorm, mean-pooling and a linear head. It is trained
with AdamW, a LambdaLR of linear warm-up then cosine decay stepped every batch, and
clip_grad_norm_, on mini-batches a DataLoader shuffles every epoch.

The data are 768 random sequences of 16 tokens out of 16 (torch.randint), about half of them
with the pattern 3, 7 written in at a random place; the label says whether a sequence holds
the pattern. 512 train, 256 are held out for the accuracy.

Plain PyTorch; the only additions are the recorder's lines (rec.…), which write the run folder
that xor-repro diffs against the tch port (src/main.rs). Besides the losses, every step's
learning rate (scheduler.get_last_lr()) and total gradient norm (what clip_grad_norm_
returns) are recorded as metrics."""
import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import xor_repro_record as xrr

rec = xrr.Run.from_args("transformer-adamw-warmup",
                        notebook="examples/transformer-adamw-warmup/script.py")
torch.manual_seed(rec.seed)

VOCAB, LENGTH, D_MODEL, HEADS, LAYERS, D_FF = 16, 16, 64, 4, 2, 128


class SelfAttention(nn.Module):
    def __init__(self, d_model, heads):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(d_model, d_model)
        self.k = nn.Linear(d_model, d_model)
        self.v = nn.Linear(d_model, d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x):
        B, T, C = x.shape
        hd = C // self.heads
        q = self.q(x).view(B, T, self.heads, hd).transpose(1, 2)  # (B, heads, T, hd)
        k = self.k(x).view(B, T, self.heads, hd).transpose(1, 2)
        v = self.v(x).view(B, T, self.heads, hd).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
        att = att.softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.out(y)


class Block(nn.Module):
    def __init__(self, d_model, heads, d_ff):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = SelfAttention(d_model, heads)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, D_MODEL)
        self.pos = nn.Parameter(torch.zeros(1, LENGTH, D_MODEL))
        nn.init.normal_(self.pos, std=0.02)
        self.blocks = nn.ModuleList([Block(D_MODEL, HEADS, D_FF) for _ in range(LAYERS)])
        self.ln_f = nn.LayerNorm(D_MODEL)
        self.head = nn.Linear(D_MODEL, 2)

    def forward(self, idx):
        x = self.tok(idx) + self.pos
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x).mean(dim=1))


X = torch.randint(0, VOCAB, (768, LENGTH))
insert = torch.rand(768) < 0.5
where = torch.randint(0, LENGTH - 1, (768,))
X[insert, where[insert]] = 3
X[insert, where[insert] + 1] = 7
y = ((X[:, :-1] == 3) & (X[:, 1:] == 7)).any(dim=1).long()
X_train, y_train, X_val, y_val = X[:512], y[:512], X[512:], y[512:]
loader = DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=True)

model = Transformer()
rec.initial_params(model.named_parameters())
print(f"{sum(p.numel() for p in model.parameters())} parameters")
epochs = rec.steps(12)
total_steps, warmup_steps = epochs * len(loader), 20
optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, betas=(0.9, 0.98), weight_decay=0.05)


def lr_lambda(step):  # linear warm-up, then cosine decay to 0
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return 0.5 * (1.0 + math.cos(math.pi * progress))


scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)

step = 0
for epoch in range(epochs):
    model.train()
    for xb, yb in loader:
        with rec.step(step, model) as t:
            xb = t.value("xb", xb)
            logits = t.keep("logits", model(xb))
            loss = t.value("loss", F.cross_entropy(logits, yb))
            optimizer.zero_grad()
            t.backward(loss)
            grad_norm = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
        rec.loss(step, loss)
        rec.metric(step, "lr", scheduler.get_last_lr()[0])  # the lr this step used
        rec.metric(step, "grad_norm", grad_norm)
        scheduler.step()
        step += 1
    model.eval()
    with torch.no_grad():
        accuracy = (model(X_val).argmax(dim=1) == y_val).float().mean().item()
    rec.metric(step - 1, "val_accuracy", accuracy)
    if epoch % 3 == 2:
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}, val accuracy {accuracy:.3f}")

rec.final_params(model.named_parameters())
model.eval()
with torch.no_grad():
    rec.predictions_from([("target", y_val), ("logits", model(X_val))])
rec.write()
