"""Reference outputs of real Keras 2 (tf-keras 2.21) convolution layers.

Run with the TensorFlow environment (never imported by the tests):

    /work/tfvenv/bin/python tests/layers/data/make_convolutional.py

For every case below, builds the tf-keras layer from its config, gives it seeded random
weights (biases included) and a seeded random input, and stores in `convolutional.npz`:

    <case>/class    layer class name
    <case>/config   JSON of the constructor arguments
    <case>/keras_config  JSON of tf-keras's `layer.get_config()`
    <case>/x        input
    <case>/w0, w1.. weights in Keras layout and order
    <case>/y        layer output
"""
import json
import os

import numpy as np
import tf_keras as keras

HERE = os.path.dirname(os.path.abspath(__file__))

CL, CF = "channels_last", "channels_first"

# (case, class, constructor arguments, input shape)
CASES = [
    # Conv1D
    ("conv1d_valid_relu", "Conv1D", dict(filters=4, kernel_size=3, activation="relu"), (2, 9, 3)),
    ("conv1d_same_s2_odd_len", "Conv1D", dict(filters=3, kernel_size=3, strides=2,
                                                padding="same"), (2, 9, 2)),
    ("conv1d_same_s2_even_len_k4", "Conv1D", dict(filters=3, kernel_size=4, strides=2,
                                                    padding="same"), (2, 10, 2)),
    ("conv1d_same_even_kernel", "Conv1D", dict(filters=3, kernel_size=4, padding="same"),
     (2, 7, 2)),
    ("conv1d_causal_dilated", "Conv1D", dict(filters=4, kernel_size=3, padding="causal",
                                               dilation_rate=2), (2, 10, 3)),
    ("conv1d_causal_s2", "Conv1D", dict(filters=2, kernel_size=3, padding="causal",
                                          strides=2), (2, 9, 3)),
    ("conv1d_valid_s3", "Conv1D", dict(filters=2, kernel_size=2, strides=3), (2, 11, 3)),
    ("conv1d_groups", "Conv1D", dict(filters=4, kernel_size=3, groups=2, padding="same"),
     (2, 8, 6)),
    ("conv1d_channels_first_same_s2", "Conv1D", dict(filters=3, kernel_size=3, strides=2,
                                                       padding="same", data_format=CF),
     (2, 4, 10)),
    ("conv1d_channels_first_causal", "Conv1D", dict(filters=3, kernel_size=2,
                                                      padding="causal", dilation_rate=3,
                                                      data_format=CF), (2, 3, 9)),
    ("conv1d_no_bias_tanh", "Conv1D", dict(filters=3, kernel_size=2, use_bias=False,
                                             activation="tanh"), (2, 6, 2)),
    # Conv2D
    ("conv2d_valid_relu", "Conv2D", dict(filters=4, kernel_size=3, activation="relu"),
     (2, 7, 6, 3)),
    ("conv2d_same_s2_even", "Conv2D", dict(filters=3, kernel_size=3, strides=2,
                                             padding="same"), (2, 8, 8, 2)),
    ("conv2d_same_s2_k4_odd", "Conv2D", dict(filters=3, kernel_size=4, strides=2,
                                               padding="same"), (2, 7, 9, 2)),
    ("conv2d_same_strides_3_2", "Conv2D", dict(filters=2, kernel_size=(3, 2),
                                                 strides=(3, 2), padding="same"), (2, 8, 7, 2)),
    ("conv2d_same_even_kernel", "Conv2D", dict(filters=3, kernel_size=(2, 4), padding="same"),
     (2, 6, 7, 2)),
    ("conv2d_same_dilated", "Conv2D", dict(filters=3, kernel_size=3, padding="same",
                                             dilation_rate=(2, 3)), (2, 8, 9, 2)),
    ("conv2d_valid_dilated_even", "Conv2D", dict(filters=3, kernel_size=(2, 3),
                                                   dilation_rate=(3, 2)), (2, 8, 8, 2)),
    ("conv2d_valid_strides_3_2", "Conv2D", dict(filters=2, kernel_size=3, strides=(3, 2)),
     (2, 10, 9, 2)),
    ("conv2d_groups", "Conv2D", dict(filters=6, kernel_size=3, groups=3, padding="same"),
     (2, 5, 5, 6)),
    ("conv2d_channels_first_same_s2", "Conv2D", dict(filters=3, kernel_size=3, strides=2,
                                                       padding="same", data_format=CF),
     (2, 2, 8, 7)),
    ("conv2d_channels_first_valid", "Conv2D", dict(filters=3, kernel_size=(3, 2),
                                                     data_format=CF), (2, 2, 6, 5)),
    ("conv2d_no_bias_sigmoid", "Conv2D", dict(filters=2, kernel_size=2, use_bias=False,
                                                activation="sigmoid"), (2, 5, 5, 3)),
    ("conv2d_extra_batch_dims", "Conv2D", dict(filters=2, kernel_size=3, padding="same"),
     (2, 3, 5, 5, 2)),
    # Conv3D
    ("conv3d_valid", "Conv3D", dict(filters=3, kernel_size=(2, 3, 2), activation="relu"),
     (2, 4, 5, 4, 2)),
    ("conv3d_same_s2", "Conv3D", dict(filters=2, kernel_size=3, strides=2, padding="same"),
     (2, 4, 5, 6, 2)),
    ("conv3d_same_dilated", "Conv3D", dict(filters=2, kernel_size=2, padding="same",
                                             dilation_rate=2), (2, 5, 5, 4, 2)),
    ("conv3d_channels_first_same_s2", "Conv3D", dict(filters=2, kernel_size=3, strides=2,
                                                       padding="same", data_format=CF),
     (2, 2, 4, 5, 4)),
    # Conv1DTranspose
    ("conv1d_transpose_valid_s2", "Conv1DTranspose", dict(filters=3, kernel_size=3, strides=2),
     (2, 5, 2)),
    ("conv1d_transpose_same_s2", "Conv1DTranspose", dict(filters=3, kernel_size=3, strides=2,
                                                           padding="same"), (2, 5, 2)),
    ("conv1d_transpose_same_dilated", "Conv1DTranspose", dict(filters=2, kernel_size=3,
                                                                padding="same",
                                                                dilation_rate=2), (2, 6, 2)),
    ("conv1d_transpose_output_padding", "Conv1DTranspose", dict(filters=2, kernel_size=4,
                                                                  strides=3, padding="same",
                                                                  output_padding=2), (2, 4, 2)),
    ("conv1d_transpose_channels_first", "Conv1DTranspose", dict(filters=2, kernel_size=2,
                                                                  strides=2, data_format=CF),
     (2, 3, 4)),
    # Conv2DTranspose
    ("conv2d_transpose_valid_s1", "Conv2DTranspose", dict(filters=3, kernel_size=2),
     (2, 4, 5, 2)),
    ("conv2d_transpose_same_s2_k3", "Conv2DTranspose", dict(filters=3, kernel_size=3,
                                                              strides=2, padding="same"),
     (2, 4, 3, 2)),
    ("conv2d_transpose_same_s2_k4", "Conv2DTranspose", dict(filters=2, kernel_size=4,
                                                              strides=2, padding="same"),
     (2, 3, 4, 2)),
    ("conv2d_transpose_same_s3_k2", "Conv2DTranspose", dict(filters=2, kernel_size=2,
                                                              strides=3, padding="same"),
     (2, 3, 3, 2)),
    ("conv2d_transpose_valid_s2_k3", "Conv2DTranspose", dict(filters=2, kernel_size=3,
                                                               strides=2, activation="relu"),
     (2, 3, 4, 2)),
    ("conv2d_transpose_valid_s3_k2", "Conv2DTranspose", dict(filters=2, kernel_size=2,
                                                               strides=3), (2, 3, 2, 2)),
    ("conv2d_transpose_same_output_padding", "Conv2DTranspose", dict(
        filters=2, kernel_size=3, strides=2, padding="same", output_padding=1), (2, 3, 4, 2)),
    ("conv2d_transpose_valid_output_padding", "Conv2DTranspose", dict(
        filters=2, kernel_size=(3, 2), strides=(3, 2), output_padding=(2, 1)), (2, 3, 3, 2)),
    ("conv2d_transpose_same_output_padding_k4", "Conv2DTranspose", dict(
        filters=2, kernel_size=4, strides=3, padding="same", output_padding=(2, 1)),
     (2, 3, 3, 2)),
    ("conv2d_transpose_same_dilated", "Conv2DTranspose", dict(filters=2, kernel_size=3,
                                                                padding="same",
                                                                dilation_rate=2), (2, 5, 6, 2)),
    ("conv2d_transpose_valid_dilated", "Conv2DTranspose", dict(filters=2, kernel_size=2,
                                                                 dilation_rate=2), (2, 4, 4, 2)),
    ("conv2d_transpose_channels_first", "Conv2DTranspose", dict(
        filters=3, kernel_size=3, strides=2, padding="same", data_format=CF), (2, 2, 4, 3)),
    # Conv3DTranspose
    ("conv3d_transpose_same_s2", "Conv3DTranspose", dict(filters=2, kernel_size=3, strides=2,
                                                           padding="same"), (2, 2, 3, 2, 2)),
    ("conv3d_transpose_valid_s2_k2", "Conv3DTranspose", dict(filters=2, kernel_size=2,
                                                               strides=(2, 1, 2)),
     (2, 3, 2, 2, 2)),
    ("conv3d_transpose_output_padding", "Conv3DTranspose", dict(
        filters=2, kernel_size=3, strides=2, padding="same", output_padding=(1, 0, 1)),
     (2, 2, 2, 3, 2)),
    ("conv3d_transpose_channels_first", "Conv3DTranspose", dict(
        filters=2, kernel_size=2, strides=2, padding="same", data_format=CF), (2, 2, 2, 3, 2)),
    # SeparableConv1D
    ("separable_conv1d_same_dm2", "SeparableConv1D", dict(filters=4, kernel_size=3,
                                                            padding="same", depth_multiplier=2,
                                                            activation="relu"), (2, 8, 3)),
    ("separable_conv1d_valid_s2", "SeparableConv1D", dict(filters=3, kernel_size=3, strides=2),
     (2, 9, 2)),
    ("separable_conv1d_causal_dilated", "SeparableConv1D", dict(filters=3, kernel_size=2,
                                                                  padding="causal",
                                                                  dilation_rate=2),
     (2, 7, 2)),
    ("separable_conv1d_channels_first", "SeparableConv1D", dict(
        filters=3, kernel_size=3, padding="same", strides=2, data_format=CF), (2, 2, 8)),
    # SeparableConv2D
    ("separable_conv2d_same_dm2", "SeparableConv2D", dict(filters=4, kernel_size=3,
                                                            padding="same", depth_multiplier=2,
                                                            activation="relu"), (2, 5, 6, 3)),
    ("separable_conv2d_same_s2", "SeparableConv2D", dict(filters=3, kernel_size=3, strides=2,
                                                           padding="same"), (2, 6, 7, 2)),
    ("separable_conv2d_valid_dilated", "SeparableConv2D", dict(filters=3, kernel_size=2,
                                                                 dilation_rate=2,
                                                                 use_bias=False), (2, 6, 6, 2)),
    ("separable_conv2d_channels_first", "SeparableConv2D", dict(
        filters=3, kernel_size=3, padding="same", depth_multiplier=2, data_format=CF),
     (2, 2, 5, 4)),
    # DepthwiseConv1D
    ("depthwise_conv1d_same_dm2", "DepthwiseConv1D", dict(kernel_size=3, padding="same",
                                                            depth_multiplier=2), (2, 7, 3)),
    ("depthwise_conv1d_valid_s2", "DepthwiseConv1D", dict(kernel_size=3, strides=2),
     (2, 9, 2)),
    ("depthwise_conv1d_channels_first", "DepthwiseConv1D", dict(
        kernel_size=2, padding="same", depth_multiplier=3, data_format=CF), (2, 2, 6)),
    # DepthwiseConv2D
    ("depthwise_conv2d_same_dm2", "DepthwiseConv2D", dict(kernel_size=3, padding="same",
                                                            depth_multiplier=2), (2, 5, 6, 3)),
    ("depthwise_conv2d_same_s2", "DepthwiseConv2D", dict(kernel_size=3, strides=2,
                                                           padding="same", activation="relu"),
     (2, 8, 7, 2)),
    ("depthwise_conv2d_valid_dilated", "DepthwiseConv2D", dict(kernel_size=(2, 3),
                                                                 dilation_rate=(2, 1),
                                                                 depth_multiplier=2),
     (2, 6, 6, 2)),
    ("depthwise_conv2d_same_even_kernel_no_bias", "DepthwiseConv2D", dict(
        kernel_size=(2, 2), padding="same", use_bias=False), (2, 5, 4, 3)),
    ("depthwise_conv2d_channels_first", "DepthwiseConv2D", dict(
        kernel_size=3, strides=2, padding="same", depth_multiplier=2, data_format=CF),
     (2, 2, 6, 5)),
]


def main():
    out = {}
    for i, (case, cls_name, config, shape) in enumerate(CASES):
        rng = np.random.default_rng(1000 + i)
        layer = getattr(keras.layers, cls_name)(**config)
        x = rng.standard_normal(shape).astype("float32")
        layer.build(shape)
        weights = [(0.5 * rng.standard_normal(w.shape)).astype("float32")
                   for w in layer.get_weights()]
        layer.set_weights(weights)
        y = layer(x).numpy()
        out[f"{case}/class"] = np.array(cls_name)
        out[f"{case}/config"] = np.array(json.dumps(config))
        out[f"{case}/keras_config"] = np.array(json.dumps(layer.get_config()))
        out[f"{case}/x"] = x
        for j, w in enumerate(weights):
            out[f"{case}/w{j}"] = w
        out[f"{case}/y"] = y.astype("float32")
    path = os.path.join(HERE, "convolutional.npz")
    np.savez_compressed(path, **out)
    print(f"{len(CASES)} cases -> {path} ({os.path.getsize(path) // 1024} KB)")


if __name__ == "__main__":
    main()
