"""PyTorch peer for the two text models: the layers, loss, optimizer and
batch of models/spam_lstm.lathe (embedding 10000x32, LSTM 32, sigmoid) or
models/news_lstm.lathe (embedding 10000x16, LSTM 32 returning sequences,
dropout 0.2, LSTM 32, dropout 0.2, softmax over 3), one pass over as many
random token sequences as Lathe trains on per epoch (timing only). Prints
samples per second. Usage: torch_text.py spam|news [THREADS]"""
import sys
import time

import torch

model_name = sys.argv[1]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
torch.set_num_threads(threads)
torch.manual_seed(0)
batch = 32


class Net(torch.nn.Module):
    def __init__(self, news):
        super().__init__()
        self.news = news
        self.embed = torch.nn.Embedding(10000, 16 if news else 32, padding_idx=0)
        self.lstm0 = torch.nn.LSTM(16 if news else 32, 32, batch_first=True)
        if news:
            self.lstm1 = torch.nn.LSTM(32, 32, batch_first=True)
            self.drop = torch.nn.Dropout(0.2)
        self.out = torch.nn.Linear(32, 3 if news else 1)

    def forward(self, x):
        h, (last, _) = self.lstm0(self.embed(x))
        if self.news:
            _, (last, _) = self.lstm1(self.drop(h))
            last = self.drop(last)
        return self.out(last[0])


news = model_name == "news"
n, length = (739, 200) if news else (4353, 100)
x = torch.randint(0, 10000, (n, length))
y = torch.randint(0, 3, (n,)) if news else torch.randint(0, 2, (n, 1)).float()
net = Net(news)
opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
loss_fn = (torch.nn.CrossEntropyLoss() if news
           else torch.nn.BCEWithLogitsLoss())
start = time.perf_counter()
for i in range(0, n, batch):
    opt.zero_grad()
    loss_fn(net(x[i:i + batch]), y[i:i + batch]).backward()
    opt.step()
t = time.perf_counter() - start
print(f"pytorch {model_name}: {n / t:.0f} samples/s ({threads} thread(s), {t:.2f}s)")
