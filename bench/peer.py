"""PyTorch peers of the seven models in models/: the same layers, loss,
optimizer and batch, trained for a fixed number of steps on random data of
the model's shape (timing only). Prints `SAMPLES samples/s`.

Usage: peer.py MODEL STEPS [THREADS] [DEVICE] [BATCH]
DEVICE: cpu (default) or cuda; BATCH replaces the model's batch size.
MODEL: linear_regression logistic_regression fashion_mlp fashion_cnn
       spam_lstm news_lstm fashion_dcgan, spam_gru (the spam filter with
       a GRU, test/e2e/Inputs/spam_gru.lathe), spam_bilstm (with a
       bidirectional LSTM, test/e2e/Inputs/spam_bilstm.lathe), spam_cnn
       (with a text convolution, test/e2e/Inputs/spam_cnn.lathe) or
       spam_masked (padding masked, test/e2e/Inputs/spam_masked.lathe: run
       as packed sequences of lengths drawn from the SpamAssassin messages
       in .data/, cut to 100)
A DCGAN step is one discriminator step (real and generated batches) and one
generator step; its samples are the real images."""
import glob
import os
import random
import re
import sys
import time

import torch

nn = torch.nn
model_name, steps = sys.argv[1], int(sys.argv[2])
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
device = torch.device(sys.argv[4] if len(sys.argv) > 4 else "cpu")
batch_override = int(sys.argv[5]) if len(sys.argv) > 5 else 0
torch.set_num_threads(threads)
# Subnormals flushed to zero, as Lathe's runtime does (runtime/FloatMode.h).
torch.set_flush_denormal(True)
torch.manual_seed(0)


def adam(params, lr):
    return torch.optim.Adam(params, lr=lr, eps=1e-7)


class Text(nn.Module):
    def __init__(self, news, cell=nn.LSTM, bidirectional=False):
        super().__init__()
        self.news = news
        self.embed = nn.Embedding(10000, 16 if news else 32, padding_idx=0)
        self.lstm0 = cell(16 if news else 32, 32, batch_first=True,
                          bidirectional=bidirectional)
        if news:
            self.lstm1 = nn.LSTM(32, 32, batch_first=True)
            self.drop = nn.Dropout(0.2)
        self.out = nn.Linear(64 if bidirectional else 32, 3 if news else 1)

    def forward(self, x):
        h, last = self.lstm0(self.embed(x))
        if isinstance(last, tuple):  # an LSTM's (h, c)
            last = last[0]
        if self.news:
            _, (last, _) = self.lstm1(self.drop(h))
            last = self.drop(last)
        return self.out(torch.cat(list(last), -1))  # both directions


class TextCNN(nn.Module):
    """spam_cnn: embedding, conv1d(64, kernel=5, padding=same, relu),
    maxpool(4), the mean over time, a sigmoid output (in the loss)."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10000, 32, padding_idx=0)
        self.conv = nn.Conv1d(32, 64, 5, padding=2)
        self.out = nn.Linear(64, 1)

    def forward(self, x):
        h = torch.relu(self.conv(self.embed(x).transpose(1, 2)))
        return self.out(nn.functional.max_pool1d(h, 4).mean(2))


class MaskedText(nn.Module):
    """spam_masked: embedding(10000, 16), a bidirectional GRU(16) over each
    message's words only (PyTorch's packed sequences; Lathe's mask_zero), the
    mean of its states over the words, a sigmoid output (in the loss). The
    messages' lengths are fixed with `lengths`."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10000, 16, padding_idx=0)
        self.gru = nn.GRU(16, 16, batch_first=True, bidirectional=True)
        self.out = nn.Linear(32, 1)
        self.lengths = None

    def forward(self, x):
        rnn = nn.utils.rnn
        packed = rnn.pack_padded_sequence(self.embed(x), self.lengths,
                                          batch_first=True, enforce_sorted=False)
        h, _ = rnn.pad_packed_sequence(self.gru(packed)[0], batch_first=True,
                                       total_length=x.shape[1])
        return self.out(h.sum(1) / self.lengths[:, None])


def message_lengths(count, cut):
    """Word counts of `count` SpamAssassin messages drawn at random (their
    bodies, after the headers' blank line), each cut to `cut`."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".data",
                        "spam-assassin", "data")
    files = sorted(glob.glob(os.path.join(root, "*", "*.txt")))
    if not files:
        raise SystemExit(f"peer.py: no SpamAssassin messages in {root}: run scripts/setup.sh")
    picked = random.Random(0).sample(files, count)
    lengths = []
    for f in picked:
        body = open(f, encoding="latin-1").read().split("\n\n", 1)[-1]
        lengths.append(max(1, min(cut, len(re.findall(r"[A-Za-z0-9']+", body)))))
    return torch.tensor(lengths)


def sized(batch):
    return batch_override or batch


def supervised():
    """(model, optimizer, loss, batch, x, y) of a supervised model."""
    if model_name == "linear_regression":
        net, batch = nn.Linear(1, 1), sized(16)
        x, y = torch.rand(batch, 1), torch.rand(batch, 1)
        return net, torch.optim.SGD(net.parameters(), lr=0.01), nn.MSELoss(), batch, x, y
    if model_name == "logistic_regression":
        net, batch = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid()), sized(32)
        x, y = torch.rand(batch, 2), torch.randint(0, 2, (batch, 1)).float()
        return net, torch.optim.SGD(net.parameters(), lr=0.1), nn.BCELoss(), batch, x, y
    if model_name == "fashion_mlp":
        net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
        batch = sized(32)
        x, y = torch.rand(batch, 784), torch.randint(0, 10, (batch,))
        return net, adam(net.parameters(), 1e-3), nn.CrossEntropyLoss(), batch, x, y
    if model_name == "fashion_cnn":
        net = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Flatten(), nn.Linear(5408, 128), nn.ReLU(),
                            nn.Linear(128, 10))
        batch = sized(32)
        x, y = torch.rand(batch, 1, 28, 28), torch.randint(0, 10, (batch,))
        return net, adam(net.parameters(), 1e-3), nn.CrossEntropyLoss(), batch, x, y
    news = model_name == "news_lstm"
    if model_name == "spam_cnn":
        net = TextCNN()
    elif model_name == "spam_masked":
        net = MaskedText()
        net.lengths = message_lengths(sized(32), 100)
    else:
        net = Text(news, nn.GRU if model_name == "spam_gru" else nn.LSTM,
                   model_name == "spam_bilstm")
    batch = sized(32)
    x = torch.randint(0, 10000, (batch, 200 if news else 100))
    y = torch.randint(0, 3, (batch,)) if news else torch.randint(0, 2, (batch, 1)).float()
    loss = nn.CrossEntropyLoss() if news else nn.BCEWithLogitsLoss()
    return net, adam(net.parameters(), 1e-3), loss, batch, x, y


def run_supervised():
    net, opt, loss_fn, batch, x, y = supervised()
    net.to(device)
    x, y = x.to(device), y.to(device)
    net.train()

    def step():
        opt.zero_grad()
        loss_fn(net(x), y).backward()
        opt.step()
    return step, batch


def run_gan():
    g = nn.Sequential(
        nn.Linear(100, 7 * 7 * 128), nn.ReLU(), nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, 5, 2, padding=2, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(64, 1, 5, 2, padding=2, output_padding=1), nn.Tanh())
    d = nn.Sequential(
        nn.Conv2d(1, 64, 5, 2, padding=2), nn.LeakyReLU(0.01),
        nn.Conv2d(64, 128, 5, 2, padding=2), nn.LeakyReLU(0.01),
        nn.Flatten(), nn.Linear(7 * 7 * 128, 1), nn.Sigmoid())
    g.to(device)
    d.to(device)
    gopt, dopt = adam(g.parameters(), 1e-4), adam(d.parameters(), 1e-4)
    bce, batch = nn.BCELoss(), sized(64)
    real = torch.rand(batch, 1, 28, 28, device=device) * 2 - 1
    ones = torch.ones(batch, 1, device=device)
    zeros = torch.zeros(batch, 1, device=device)

    def step():
        dopt.zero_grad()
        fake = g(torch.randn(batch, 100, device=device)).detach()
        (bce(d(real), ones) + bce(d(fake), zeros)).backward()
        dopt.step()
        gopt.zero_grad()
        bce(d(g(torch.randn(batch, 100, device=device))), ones).backward()
        gopt.step()
    return step, batch


step, batch = run_gan() if model_name == "fashion_dcgan" else run_supervised()
def sync():
    if device.type == "cuda":
        torch.cuda.synchronize()


for _ in range(min(5, steps)):  # warm up
    step()
sync()
start = time.perf_counter()
for _ in range(steps):
    step()
sync()
t = time.perf_counter() - start
print(f"{model_name}: {steps * batch / t:.0f} samples/s ({threads} thread(s), "
      f"{device.type}, batch {batch}, {steps} steps, {t:.2f}s)")
