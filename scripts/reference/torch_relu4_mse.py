"""Notebook 000 (000_ef3ae0d5554cfd9b.txt), experiment torch-relu4-mse: the notebook's code,
plus a seed (the notebook sets none; torch.manual_seed before the model is built) and the
run record. Its "Final Predctions" cell prints `predictions`, the last training epoch's
forward pass: recorded as last_epoch_predictions, the trained output as predictions."""

import xor_repro_record as record

args = record.parse_args()

import torch

import torch.nn as nn

import torch.optim as optim

run = record.Run(args.experiment, args.notebook, args, {"torch": torch.__version__})
torch.manual_seed(args.seed)

# Step 1: Create XOR Dataset

X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=torch.float32)

y = torch.tensor([[0.0], [1.0], [1.0], [0.0]], dtype=torch.float32)

# Step 2: Define a simple Neural Network with 1 hidden layer

class XORNetwork(nn.Module):

    def __init__(self):
        super(XORNetwork,self).__init__()

        # 2 input features -> 4 neurons in hidden layer -> 1 output

        self.fc1 = nn.Linear(2, 4)  # Input layer (2 features) to hidden layer (4 neurons)

        self.fc2 = nn.Linear(4, 1)  # Hidden layer (4 neurons) to output layer (1 neuron)

        self.sigmoid = nn.Sigmoid() # Activation function for output layer

    def forward(self,x):

        x = torch.relu(self.fc1(x)) # ReLU activation for hidden layer

        x = self.sigmoid(self.fc2(x)) # Sigmoid activation for output

        return x

# Step 3: Instantiate the model

model = XORNetwork()

run.initial_params(dict(model.named_parameters()))

# Step 4: Define a loss function and an optimizer

loss_fn = nn.MSELoss() # Mean Squared Error loss

optimizer = optim.SGD(model.parameters(), lr=args.lr)

# --trace: the values inside model.forward, and every gradient in the order autograd computes
# them (xor_repro_record.ModuleTracer; nothing is hooked when not tracing).
tracer = record.ModuleTracer(run, model, [(model.fc1, None, "fc1(x)"), (model.fc2, "relu", "fc2(relu)")],
                             ["predictions", "fc2(relu)", "fc2.weight", "fc2.bias", "relu", "fc1(x)", "fc1.weight", "fc1.bias"])

# Step 5: Train the model using backpropagation

epochs = args.steps # Number of training iterations

for epoch in range(epochs):

        tracer.parameters(epoch)

        # Forward pass: Compute predicted y by passing X to the model

        predictions = model(X)

        tracer.keep(epoch, "predictions", predictions)

        # Compute the loss (error)

        loss = loss_fn(predictions, y)

        run.trace(epoch, "loss", loss)

        # Zero the gradients before backward pass

        optimizer.zero_grad()

        # Backward pass: Compute gradients

        loss.backward()

        tracer.gradients(epoch)

        # Update weights and biases using gradient descent

        optimizer.step()

        tracer.parameters(epoch, ".updated")

        run.losses.append(loss.item())

        # Print loss every 1000 epochs to monitor progress

        if epoch % 1000 == 0:

                    print(f'Epoch {epoch+1}/{epochs}, Loss: {loss.item()}')

tracer.close()

# Inspect learned weights and bias for each layer

learned_weights_fc1 = model.fc1.weight.data
learned_bias_fc1 = model.fc1.bias.data

learned_weights_fc2 = model.fc2.weight.data
learned_bias_fc2 = model.fc2.bias.data

print(f"Learned Weights (Input → Hidden Layer):\n{learned_weights_fc1}")
print(f"Learned Bias (Hidden Layer):\n{learned_bias_fc1}")

print(f"Learned Weights (Hidden → Output Layer):\n{learned_weights_fc2}")
print(f"Learned Bias (Output Layer):\n{learned_bias_fc2}")

for name, p in model.named_parameters():
    run.param("final", name, p)

# Step 6: Final predictions after training

with torch.no_grad(): # Disable gradient computation for inference

    final_predictions = model(X)

    print(f'Final Predctions \n')

    print(predictions)

run.last_epoch_predictions = record.xor_rows(predictions)
run.predictions = record.xor_rows(final_predictions)
run.write()
