"""PyTorch peer for the Fashion-MNIST CNN: the layers, loss, optimizer and
batch of models/fashion_cnn.lathe, one pass over 54,000 random images
(timing only). Prints samples per second."""
import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
torch.set_num_threads(threads)
torch.manual_seed(0)
n, batch = 54000, 32
x = torch.rand(n, 1, 28, 28)
y = torch.randint(0, 10, (n,))
model = torch.nn.Sequential(
    torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Flatten(), torch.nn.Linear(5408, 128), torch.nn.ReLU(),
    torch.nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
loss_fn = torch.nn.CrossEntropyLoss()
start = time.perf_counter()
for i in range(0, n, batch):
    opt.zero_grad()
    loss_fn(model(x[i:i + batch]), y[i:i + batch]).backward()
    opt.step()
t = time.perf_counter() - start
print(f"pytorch cnn: {n / t:.0f} samples/s ({threads} thread(s), {t:.2f}s)")
