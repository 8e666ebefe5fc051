"""Notebook 002, NumPy part (002_537c36a4ddaa79e8.txt, cells 4-9), experiment numpy-relu10-mse:
the notebook's code, plus the seed/steps/lr arguments and the run record. The matplotlib cells
are left out (only their plotting lines; every computation and print is kept). The surface the
notebook plots is recorded as surface.csv (x1, x2, prediction in the notebook's `pts` order).
The loop's indentation, lost in the capture, is the one its output implies."""

import xor_repro_record as record

args = record.parse_args()

import numpy as np

run = record.Run(args.experiment, args.notebook, args, {"numpy": np.__version__})

def mse(ws, m, X, Y):
    N = len(X)
    err = 0
    for i in range(N):
        xi = X[i]
        yi = m(ws, xi)
        err += (Y[i] - yi) ** 2
    return err / N

# XOR input and output
X = np.array([
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1]
])

Y = np.array([[0], [1], [1], [0]])

def relu(z):          return np.maximum(0, z)
def relu_derivative(z):      return (z > 0).astype(float)
def sigmoid(z):             return 1/(1+np.exp(-z))
def sigmoid_derivative(z):   s = sigmoid(z); return s*(1-s)

def predict(x):
        z1 = np.dot(x, W1) + b1
        a1 = relu(z1)
        z2 = np.dot(a1, W2) + b2
        return sigmoid(z2)

#Initialize weights
np.random.seed(args.seed)

X = np.array(X)
Y = np.array(Y)

input_dimension = 2 # must be 2 for XOR
hidden_dimension = 10
output_dimension = 1 # must be 1

W1 = np.random.randn(input_dimension, hidden_dimension)
b1 = np.zeros((1, hidden_dimension))
W2 = np.random.randn(hidden_dimension, output_dimension)
b2 = np.zeros((1, output_dimension))

W1, b1, W2, b2 = run.initial_params({"W1": W1, "b1": b1, "W2": W2, "b2": b2}).values()

#Training Loop
epochs = args.steps
learning_rate = args.lr # same as Learning_eps in example
loss_history = []

for epoch in range(epochs):
    if run.tracing(epoch):  # the step's parameters as they enter it
        for name, p in [("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)]:
            run.trace(epoch, name, p)

    # Forward pass
    Z1 = X @ W1 + b1
    A1 = relu(Z1)
    Z2 = A1 @ W2 + b2
    A2 = sigmoid(Z2)

    #Loss (MSE)
    loss = np.mean((A2 - Y) ** 2)
    loss_history.append(loss)

    #Backpropagation
    dA2 = 2 * (A2 - Y) / Y.shape[0]
    dZ2 = dA2 * sigmoid_derivative(Z2)
    dW2 = A1.T @ dZ2
    db2 = np.sum(dZ2, axis=0, keepdims=True)

    dA1 = dZ2 @ W2.T
    dZ1 = dA1 * relu_derivative(Z1)
    dW1 = X.T @ dZ1
    db1 = np.sum(dZ1, axis=0, keepdims=True)

    if run.tracing(epoch):  # np.exp(-Z2) is recomputed: the notebook's sigmoid has no name for it
        for name, v in [("Z1", Z1), ("A1", A1), ("Z2", Z2), ("exp(-Z2)", np.exp(-Z2)), ("A2", A2),
                        ("loss", loss), ("dA2", dA2), ("dZ2", dZ2), ("dW2", dW2), ("db2", db2),
                        ("dA1", dA1), ("dZ1", dZ1), ("dW1", dW1), ("db1", db1)]:
            run.trace(epoch, name, v)

    # Update weights
    W1 -= learning_rate * dW1
    b1 -= learning_rate * db1
    W2 -= learning_rate * dW2
    b2 -= learning_rate * db2

    if run.tracing(epoch):
        for name, p in [("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)]:
            run.trace(epoch, name + ".updated", p)

    if epoch % 20 == 0:
        print(f"Epoch {epoch}, Loss: {loss:.4f}")

run.losses = [float(v) for v in loss_history]
for name, p in [("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)]:
    run.param("final", name, p)
if epochs > 0:
    run.last_epoch_predictions = record.xor_rows(A2)

print("\nPredictions after training:")
for x, y in zip(X, Y):
    pred = predict(x.reshape(1, -1))
    print(f"Input: {x}, Predicted: {pred.round()}, True: {y}")

# PLOT LOSS & ACCURACY (the plt lines are left out)

preds = predict(X)

preds_binary = (preds > 0.5).astype(int)

acc = np.mean(preds_binary.squeeze() == Y.squeeze())

print("Final XOR preds:", preds)
print("Accuracy:", acc)

# SURFACE PLOT
grid = 50
xs = np.linspace(0,1,grid); ys = np.linspace(0,1,grid)
Xg,Yg = np.meshgrid(xs,ys)
pts = np.column_stack([Xg.ravel(), Yg.ravel()])
Z1g = pts @ W1 + b1
A1g = relu(Z1g)
Z2g = A1g @ W2 + b2
A2g = sigmoid(Z2g)
Zg = A2g.reshape(Xg.shape)

run.predictions = record.xor_rows(preds)
run.surface = [(float(a), float(b), float(p)) for (a, b), p in zip(pts, A2g.reshape(-1))]
run.write()
