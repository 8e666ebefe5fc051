"""Notebook 002 (002_537c36a4ddaa79e8.txt), TensorFlow part ("1.6. TensorFlot comparison"),
experiment tf-relu10-mse: the notebook's code in its order, plus the seed, epochs and learning
rate as arguments and the run record. Plot cells are skipped (no matplotlib here); the
surface's values are recorded instead. `loss_history` is the per-epoch loss.

The notebook also imports numpy as np in an earlier cell; it is imported here."""

import xor_repro_record as record

args = record.parse_args()

import numpy as np

# In [10]
#!/pip install tensorflow
import tensorflow as tf

from tensorflow.python.util import _pywrap_util_port
onednn = _pywrap_util_port.IsMklEnabled()  # TensorFlow's own answer, also when the switch is unset
run = record.Run(args.experiment, args.notebook, args,
                 {"tensorflow": tf.__version__, "numpy": np.__version__,
                  "tensorflow-backend": "oneDNN" if onednn else "Eigen"})

print("TensorFlow version:", tf.__version__) # verify that TF works

# XOR input and output
X_np = np.array([[0,0], [0,1], [1,0], [1,1]], dtype=np.float32)
Y_np = np.array([[0], [1], [1], [0]], dtype=np.float32)

X = tf.constant(X_np)
Y = tf.constant(Y_np)

# Activation functions
def relu(z):          return tf.nn.relu(z)
def relu_deriv(z):    return tf.cast(z > 0, tf.float32)
def sigmoid(z):       return tf.nn.sigmoid(z)
def sigmoid_deriv(z): s = sigmoid(z); return s * (1 - s)

# Initialize weights and biases
tf.random.set_seed(args.seed)
input_dim, hidden_dim, output_dim = 2, 10, 1
W1 = tf.Variable(tf.random.normal([input_dim, hidden_dim]))
b1 = tf.Variable(tf.zeros([1, hidden_dim]))
W2 = tf.Variable(tf.random.normal([hidden_dim, output_dim]))
b2 = tf.Variable(tf.zeros([1, output_dim]))

params = run.initial_params({"W1": W1, "b1": b1, "W2": W2, "b2": b2})

# Training Loop
epochs = args.steps
lr = args.lr
loss_history = []

for epoch in range(epochs):
    if run.tracing(epoch):  # the step's parameters as they enter it
        for name, p in [("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)]:
            run.trace(epoch, name, p)

    with tf.GradientTape() as tape:
        Z1 = tf.matmul(X, W1) + b1
        A1 = relu(Z1)
        Z2 = tf.matmul(A1, W2) + b2
        A2 = sigmoid(Z2)

        loss = tf.reduce_mean(tf.square(Y - A2))
        loss_history.append(loss.numpy())

    # Compute gradients and update
    grads = tape.gradient(loss, [W1, b1, W2, b2])

    if run.tracing(epoch):  # the forward tensors the notebook names, the loss, the tape's gradients
        for name, v in [("Z1", Z1), ("A1", A1), ("Z2", Z2), ("A2", A2), ("loss", loss)]:
            run.trace(epoch, name, v)
        for i, g in enumerate(grads):
            run.trace(epoch, f"grads[{i}]", g)

    W1.assign_sub(lr * grads[0])
    b1.assign_sub(lr * grads[1])
    W2.assign_sub(lr * grads[2])
    b2.assign_sub(lr * grads[3])

    if run.tracing(epoch):
        for name, p in [("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)]:
            run.trace(epoch, name + ".updated", p)

    if epoch % 20 == 0:
        print(f"Epoch {epoch}, Loss: {loss:.4f}")

# Prediction function
def predict(x):
    z1 = tf.matmul(x, W1) + b1
    a1 = relu(z1)
    z2 = tf.matmul(a1, W2) + b2
    return sigmoid(z2)

print("\nPredictions after training:")
for x, y in zip(X_np, Y_np):
    pred = predict(tf.constant(x.reshape(1, -1), dtype=tf.float32))
    print(f"Input: {x}, Predicted: {tf.round(pred).numpy().flatten()}, True: {y}")

# Plot training Loss (plt.plot(loss_history) ...: skipped, loss.csv holds loss_history)

# Accuracy
preds = predict(X)
acc = tf.reduce_mean(tf.cast(tf.equal(tf.round(preds), Y), tf.float32))
print("Final XOR preds:", preds.numpy())
print("Accuracy:", acc.numpy())

# Surface plot
grid = 50
xs = np.linspace(0,1,grid); ys = np.linspace(0,1,grid)
Xg, Yg = np.meshgrid(xs, ys)
pts = np.column_stack([Xg.ravel(), Yg.ravel()])
pts_tf = tf.constant(pts, dtype=tf.float32)

Z1g = tf.matmul(pts_tf, W1) + b1
A1g = relu(Z1g)
Z2g = tf.matmul(A1g, W2) + b2
A2g = sigmoid(Z2g)
Zg = tf.reshape(A2g, Xg.shape)

# (the 3-D surface plot of Xg, Yg, Zg is skipped; its points are recorded)

run.losses = [float(v) for v in loss_history]
for name, p in params.items():
    run.param("final", name, p)
run.predictions = record.xor_rows(preds)
run.surface = [(float(a), float(b), float(z)) for (a, b), z in zip(pts, record.flat(A2g))]
run.write()
