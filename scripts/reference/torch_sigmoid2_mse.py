"""Notebook 001 (001_8c51896e8b2845dd.txt), experiment torch-sigmoid2-mse: the notebook's code
(its capture interleaves the code with hand-written notes and IDE annotations such as
`data:` and `2 usages`, dropped here), plus a seed (the notebook sets none;
torch.manual_seed before the model is built) and the run record."""

import xor_repro_record as record

args = record.parse_args()

import torch

import torch.nn as nn

import torch.optim as optim

import numpy as np

run = record.Run(args.experiment, args.notebook, args,
                 {"torch": torch.__version__, "numpy": np.__version__})
torch.manual_seed(args.seed)

# Generate some toy data for the neural network
# We'll use a simple XOR problem for demonstration
X = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=torch.float32)
y = torch.tensor([[0], [1], [1], [0]], dtype=torch.float32)

# Define the neural network architecture
class XORNeuralNetwork(nn.Module): # Defining the class, format: ClassName(ParentClassName)
    def __init__(self, input_dim, hidden_dim, output_dim): # Create a class instance
        super(XORNeuralNetwork, self).__init__() # Initializing parent class inheritance
        self.hidden_layer = nn.Linear(input_dim, hidden_dim)
        self.output_layer = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        hidden_output = torch.sigmoid(self.hidden_layer(x))
        output = torch.sigmoid(self.output_layer(hidden_output))
        return output

# Initialize the neural network
input_dim = 2
hidden_dim = 2
output_dim = 1
model = XORNeuralNetwork(input_dim, hidden_dim, output_dim)

run.initial_params(dict(model.named_parameters()))

# Define the loss function (Mean Squared Error) and the optimizer (Stochastic Gradient Descent)
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=args.lr)

# --trace: the values inside model.forward, and every gradient in the order autograd computes
# them (xor_repro_record.ModuleTracer; nothing is hooked when not tracing).
tracer = record.ModuleTracer(run, model, [(model.hidden_layer, None, "hidden_layer(x)"),
                              (model.output_layer, "hidden_output", "output_layer(hidden_output)")],
                             ["predictions", "output_layer(hidden_output)", "output_layer.weight", "output_layer.bias",
                              "hidden_output", "hidden_layer(x)", "hidden_layer.weight", "hidden_layer.bias"])

# Training loop
epochs = args.steps

for epoch in range(epochs):
    tracer.parameters(epoch)
    optimizer.zero_grad() # reset the gradients of the params
    # Forward pass
    predictions = model(X)
    tracer.keep(epoch, "predictions", predictions)
    # Calculate the loss
    loss = criterion(predictions, y)
    run.trace(epoch, "loss", loss)
    # Backpropagation
    loss.backward()
    tracer.gradients(epoch)
    # Update weights
    optimizer.step()
    tracer.parameters(epoch, ".updated")
    run.losses.append(loss.item())
    if epoch % 1000 == 0:
        print(f"Epoch {epoch}, Loss: {loss.item()}")
tracer.close()

for name, p in model.named_parameters():
    run.param("final", name, p)
run.last_epoch_predictions = record.xor_rows(predictions)
with torch.no_grad():
    run.predictions = record.xor_rows(model(X))
run.write()
