"""Notebook 004 (004_64eea6854d56fd8e.txt), experiment numpy-sigmoid2-mse: the notebook's code,
plus the seed/steps/lr arguments and the run record. Its "Final Predictions (rounded)" are the
last training epoch's forward pass (`y_pred`, before that epoch's update): recorded as
last_epoch_predictions; the trained network's output, which the notebook never computes, as
predictions."""

import xor_repro_record as record

args = record.parse_args()

import numpy as np

run = record.Run(args.experiment, args.notebook, args, {"numpy": np.__version__})

X = np.array([[0, 0],
              [0, 1],
              [1, 0],
              [1, 1]])
# y is column vector of shape (4,1) for binary targets
y = np.array([[0], [1], [1], [0]])

np.random.seed(args.seed)

W1 = np.random.randn(2, 2)

b1 = np.zeros((1, 2))

W2 = np.random.randn(2, 1)

b2 = np.zeros((1, 1))

W1, b1, W2, b2 = run.initial_params({"W1": W1, "b1": b1, "W2": W2, "b2": b2}).values()

def sigmoid(x):
    # element-wise sigmoid
    return 1 / (1 + np.exp(-x))

def sigmoid_derivative(sigmoid_output):
    return sigmoid_output * (1 - sigmoid_output)

lr = args.lr     # learning rate (step size for gradient descent)
epochs = args.steps # number of training iterations

for epoch in range(epochs):
    if run.tracing(epoch):  # the step's parameters as they enter it
        for name, p in [("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)]:
            run.trace(epoch, name, p)

    # ---------- Forward pass ----------
    hidden_input = np.dot(X, W1) + b1
    hidden_output = sigmoid(hidden_input)

    final_input = np.dot(hidden_output, W2) + b2
    y_pred = sigmoid(final_input)

    # ---------- Loss computation ----------
    loss = np.mean((y - y_pred) ** 2)
    run.losses.append(float(loss))

    # ---------- Backpropagation (compute gradients) ----------
    d_loss_y_pred = 2 * (y_pred - y)  # shape: (4,1)

    d_y_pred_final = sigmoid_derivative(y_pred)  # shape: (4,1)

    d_final_input = d_loss_y_pred * d_y_pred_final  # shape: (4,1)

    d_hidden_to_output = np.dot(hidden_output.T, d_final_input)  # shape: (2,1)

    d_b2 = np.sum(d_final_input, axis=0, keepdims=True)  # shape: (1,1)

    d_hidden_input = np.dot(d_final_input, W2.T) * sigmoid_derivative(hidden_output)  # shape: (4,2)

    d_input_to_hidden = np.dot(X.T, d_hidden_input)  # shape: (2,2)

    d_b1 = np.sum(d_hidden_input, axis=0, keepdims=True)  # shape: (1,2)

    if run.tracing(epoch):  # each sigmoid's np.exp is recomputed: the notebook has no name for it
        for name, v in [("hidden_input", hidden_input), ("exp(-hidden_input)", np.exp(-hidden_input)),
                        ("hidden_output", hidden_output), ("final_input", final_input),
                        ("exp(-final_input)", np.exp(-final_input)), ("y_pred", y_pred), ("loss", loss),
                        ("d_loss_y_pred", d_loss_y_pred), ("d_y_pred_final", d_y_pred_final),
                        ("d_final_input", d_final_input), ("d_hidden_to_output", d_hidden_to_output),
                        ("d_b2", d_b2), ("d_hidden_input", d_hidden_input),
                        ("d_input_to_hidden", d_input_to_hidden), ("d_b1", d_b1)]:
            run.trace(epoch, name, v)

    # ---------- Parameter updates (Gradient Descent) ----------
    W2 -= lr * d_hidden_to_output
    b2 -= lr * d_b2
    W1 -= lr * d_input_to_hidden
    b1 -= lr * d_b1

    if run.tracing(epoch):  # in the notebook's update order
        for name, p in [("W2", W2), ("b2", b2), ("W1", W1), ("b1", b1)]:
            run.trace(epoch, name + ".updated", p)

    # ---------- Optional: monitor training ----------
    if epoch % 1000 == 0:
        print(f"Epoch {epoch}, Loss: {loss:.4f}")

for name, p in [("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)]:
    run.param("final", name, p)

# After training, y_pred contains predictions on the training set
print("\nFinal Predictions (rounded):")
print(y_pred.round(3))

# You can also print thresholds: convert probabilities to 0/1 decisions
pred_binary = (y_pred >= 0.5).astype(int)
print("Predicted classes:\n", pred_binary)
print("True classes:\n", y)

run.last_epoch_predictions = record.xor_rows(y_pred)
run.predictions = record.xor_rows(sigmoid(np.dot(sigmoid(np.dot(X, W1) + b1), W2) + b2))
run.write()
