"""A character-level language model on two public-domain poems (poem.txt): an embedding, a
two-layer nn.LSTM (batch_first) and a linear head predict each next character; random windows
of 32 characters, 16 to a batch, cross-entropy, AdamW, 40 steps.

Plain PyTorch; the only additions are the recorder's lines (rec.…), which write the run folder
that xor-repro diffs against the tch port (src/main.rs)."""
from pathlib import Path

import torch
from torch import nn

import xor_repro_record as xrr

rec = xrr.Run.from_args("lstm-text", notebook="examples/lstm-text/script.py")
torch.manual_seed(rec.seed)

text = (Path(__file__).parent / "poem.txt").read_text(encoding="ascii")
chars = sorted(set(text))
ids = torch.tensor([chars.index(c) for c in text])
SEQ, BATCH = 32, 16


class CharLSTM(nn.Module):
    def __init__(self, vocab, embed=16, hidden=64):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x):
        out, _ = self.lstm(self.embed(x))
        return self.head(out)


model = CharLSTM(len(chars))
rec.initial_params(model.named_parameters())
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.AdamW(model.parameters(), lr=0.01)

for step in range(rec.steps(40)):
    starts = torch.randint(len(ids) - SEQ - 1, (BATCH,))
    xb = torch.stack([ids[s : s + SEQ] for s in starts])
    yb = torch.stack([ids[s + 1 : s + SEQ + 1] for s in starts])
    with rec.step(step, model) as t:
        xb = t.value("xb", xb)
        logits = t.keep("logits", model(xb))
        loss = t.value("loss", loss_fn(logits.reshape(-1, len(chars)), yb.reshape(-1)))
        optimizer.zero_grad()
        t.backward(loss)
        optimizer.step()
    rec.loss(step, loss)
    if step % 10 == 9:
        print(f"step {step + 1}: loss {loss.item():.4f}")

rec.final_params(model.named_parameters())
with torch.no_grad():
    x = ids[:-1].unsqueeze(0)
    rec.predictions_from([("x", ids[:-1]), ("target", ids[1:]), ("logits", model(x)[0])])
rec.write()
