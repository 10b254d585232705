"""Optimizers: tf-keras 2.21's current classes (`tkeras.optimizers.X`) and legacy ones
(`tkeras.optimizers.legacy.X`): update rules against numbers produced by tf-keras 2.21
and a NumPy oracle, hyperparameters, clipping, decay, engine interface, config, `get`
and weights.

The reference numbers were produced by tf-keras 2.21 (`tf_keras.optimizers.X` /
`tf_keras.optimizers.legacy.X`, `apply_gradients` run eagerly on two variables with the
gradients below, 3 steps) and are hard-coded: these tests do not import TensorFlow.
For the current classes' `decay=` (which tf-keras rejects) the reference used the
equivalent `InverseTimeDecay(learning_rate, decay_steps=1, decay_rate=decay)`.
"""
import math

import numpy as np
import pytest
import torch

from tkeras import backend as K
from tkeras import optimizers
from tkeras.optimizers import (SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, Nadam,
                               RMSprop, legacy)

W0 = [np.array([[0.5, -1.0, 2.0], [0.1, 0.0, -0.3]]), np.array([1.5, -0.25])]
GRADS = [  # fixed gradients, one list per step (small, large and zero entries)
    [np.array([[0.2, -0.5, 1.0], [3.0, 0.0, -0.01]]), np.array([0.7, -1.2])],
    [np.array([[-0.1, 0.4, 0.9], [2.0, 1e-4, 0.02]]), np.array([0.3, 0.5])],
    [np.array([[0.05, -0.3, -1.5], [-1.0, 0.0, 0.5]]), np.array([-0.6, 2.0])],
]

# ------------------------------------------------------- tf-keras 2.21 reference data
# `<FAMILY>_F32[case] = (class, kwargs, parameters after 3 steps)`: float32 variables
# (w0 flattened, then w1), printed with 9 significant digits.
# `<FAMILY>_F64`: float64 variables and hyperparameters that are exact in float32
# (tf-keras casts some Python hyperparameters through float32, e.g. `tf.cast(0.9,
# tf.float64)`; with these values that rounding is a no-op), so the update formulas
# can be compared to ~1e-16.
# `STATES[family/case] = (tf-keras variable names, values)` for some F64 cases: the
# optimizer variables in tf-keras's order (`opt.variables`), with the two model
# variables named `Variable`.
CURRENT_F32 = {
    "sgd": ("SGD", dict(learning_rate=0.1),
        [0.484999985, -0.960000038, 1.95999992, -0.300000042, -9.99999975e-06, -0.351000041,
         1.46000004, -0.379999995]),
    "sgd_mom": ("SGD", dict(learning_rate=0.1, momentum=0.9),
        [0.459800005, -0.91049999, 1.70800006, -0.99300009, -1.89999992e-05, -0.351090014,
         1.31329989, -0.219799995]),
    "sgd_nesterov_decay": ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True, decay=0.5),
        [0.444536686, -0.871816635, 1.63599992, -1.19803333, -1.80666666e-05, -0.34767434,
         1.26207006, -0.117653325]),
    "sgd_weight_decay": ("SGD", dict(learning_rate=0.1, momentum=0.5, weight_decay=0.2),
        [0.446388006, -0.885372043, 1.7291441, -0.612000823, -1.47999999e-05, -0.33361721,
         1.30835998, -0.305249989]),
    "rmsprop": ("RMSprop", dict(learning_rate=0.01),
        [0.475575387, -0.974403977, 1.97098148, 0.0593662485, -0.00314658368, -0.328671336,
         1.47608626, -0.258331895]),
    "rmsprop_centered": ("RMSprop", dict(learning_rate=0.01, centered=True),
        [0.473837256, -0.972500205, 1.96686518, 0.0561585352, -0.00314814248, -0.329125702,
         1.47323525, -0.257331192]),
    "rmsprop_mom": ("RMSprop", dict(learning_rate=0.01, momentum=0.5, decay=0.1),
        [0.458477765, -0.960493207, 1.93528867, 0.0275091268, -0.00429079589, -0.310185194,
         1.44418049, -0.234699279]),
    "rmsprop_mom_centered": ("RMSprop", dict(learning_rate=0.01, momentum=0.5, centered=True),
        [0.456261456, -0.957696497, 1.92977786, 0.0211035851, -0.00472221384, -0.318713784,
         1.44112062, -0.238759726]),
    "adagrad": ("Adagrad", dict(learning_rate=0.1),
        [0.459563971, -0.932765961, 1.91307569, -0.0280757528, -3.16227597e-05, -0.387603223,
         1.43132222, -0.273790151]),
    "adagrad_init0": (
        "Adagrad", dict(learning_rate=0.1, initial_accumulator_value=0.0, epsilon=0.001),
        [0.423890889, -0.920208871, 1.9076066, -0.028737165, -0.000316226186, -0.421189994,
         1.42259622, -0.27232188]),
    "adadelta": ("Adadelta", dict(learning_rate=1.0),
        [0.499002695, -0.998824894, 1.99904382, 0.0980894864, -9.97509342e-05, -0.303037912,
         1.49913883, -0.251178563]),
    "adam": ("Adam", dict(learning_rate=0.01),
        [0.483932674, -0.986300051, 1.97966099, 0.0747777745, -0.0127889607, -0.300171763,
         1.47934687, -0.240637958]),
    "adam_amsgrad_decay": ("Adam", dict(learning_rate=0.01, amsgrad=True, decay=0.2),
        [0.485349208, -0.987288058, 1.98142946, 0.077971831, -0.00999175385, -0.297702253,
         1.48130846, -0.240060315]),
    "adam_adaptive_epsilon": ("Adam", dict(learning_rate=0.01, epsilon=0.1, adaptive_epsilon=True),
        [0.489763528, -0.988685548, 1.98154724, 0.0757108256, -8.5785523e-06, -0.304426372,
         1.4822576, -0.241465077]),
    "adam_weight_decay": ("Adam", dict(learning_rate=0.01, weight_decay=0.5),
        [0.476583183, -0.971477568, 1.94996035, 0.0734335333, -0.0127528943, -0.295775622,
         1.45710433, -0.237023041]),
    "adamw": ("AdamW", dict(learning_rate=0.01),
        [0.483873576, -0.986180902, 1.97942221, 0.0747669637, -0.012788672, -0.300136417,
         1.47916806, -0.240608901]),
    "adamw_amsgrad": ("AdamW", dict(learning_rate=0.01, weight_decay=0.3, amsgrad=True),
        [0.479514062, -0.97738868, 1.96180463, 0.0739694908, -0.0127646178, -0.297528774,
         1.46597445, -0.238464579]),
    "adamax": ("Adamax", dict(learning_rate=0.01),
        [0.485637188, -0.986921966, 1.98022163, 0.0777652413, -0.00857893005, -0.29665795,
         1.4817487, -0.240180552]),
    "nadam": ("Nadam", dict(learning_rate=0.01),
        [0.490664691, -0.990596235, 1.98919106, 0.0848833248, -0.0110585671, -0.308882564,
         1.49047685, -0.251390874]),
    "nadam_decay": ("Nadam", dict(learning_rate=0.01, decay=0.3),
        [0.49074623, -0.99097681, 1.98819566, 0.0856624246, -0.00838308502, -0.302837819,
         1.48938632, -0.24735485]),
    "sgd_clipnorm": ("SGD", dict(learning_rate=0.1, clipnorm=1.0),
        [0.495608181, -0.986508846, 2.00763726, -0.0303804204, -4.48092715e-06, -0.326964259,
         1.44834769, -0.309404731]),
    "sgd_global_clipnorm": ("SGD", dict(learning_rate=0.1, global_clipnorm=1.0),
        [0.496841073, -0.99240005, 1.98556626, -0.0370660499, -4.33538617e-06, -0.318311393,
         1.48824584, -0.308270812]),
    "sgd_clipvalue": ("SGD", dict(learning_rate=0.1, clipvalue=0.5),
        [0.484999985, -0.960000038, 1.95000005, 0.0500000007, -9.99999975e-06, -0.351000041,
         1.47000003, -0.300000012]),
    "adam_clipvalue_clipnorm": ("Adam", dict(learning_rate=0.01, clipvalue=0.5, clipnorm=0.6),
        [0.486026943, -0.988462031, 1.98120928, 0.0752764344, -0.0118046999, -0.301360399,
         1.47523797, -0.244542956]),
    "adam_clipvalue_global_clipnorm": (
        "Adam", dict(learning_rate=0.01, clipvalue=0.5, global_clipnorm=0.6),
        [0.486991167, -0.989779532, 1.97958457, 0.0743577629, -0.011763134, -0.301561117,
         1.47899878, -0.243206576]),
}
LEGACY_F32 = {
    "sgd": ("SGD", dict(learning_rate=0.1),
        [0.484999985, -0.960000038, 1.95999992, -0.300000042, -9.99999975e-06, -0.351000041,
         1.46000004, -0.379999995]),
    "sgd_mom": ("SGD", dict(learning_rate=0.1, momentum=0.9),
        [0.459800005, -0.91049999, 1.70800006, -0.99300009, -1.89999992e-05, -0.351090014,
         1.31329989, -0.219799995]),
    "sgd_nesterov_decay": ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True, decay=0.5),
        [0.444536686, -0.871816635, 1.63599992, -1.19803333, -1.80666666e-05, -0.34767434,
         1.26207006, -0.117653325]),
    "rmsprop": ("RMSprop", dict(learning_rate=0.01),
        [0.475575089, -0.974403918, 1.97098148, 0.059366256, -0.0315230899, -0.32854414,
         1.47608626, -0.258331895]),
    "rmsprop_centered": ("RMSprop", dict(learning_rate=0.01, centered=True),
        [0.473836929, -0.972500145, 1.96686518, 0.0561585426, -0.0332225859, -0.328973025,
         1.47323525, -0.257331192]),
    "rmsprop_mom": ("RMSprop", dict(learning_rate=0.01, momentum=0.5, decay=0.1),
        [0.458477765, -0.960493207, 1.93528867, 0.027509138, -0.00429079589, -0.310185164,
         1.44418049, -0.234699279]),
    "rmsprop_mom_centered": ("RMSprop", dict(learning_rate=0.01, momentum=0.5, centered=True),
        [0.456261456, -0.957696497, 1.92977786, 0.0211036019, -0.0047222143, -0.318713784,
         1.44112062, -0.238759726]),
    "adagrad": ("Adagrad", dict(learning_rate=0.1),
        [0.459563971, -0.932765961, 1.91307569, -0.0280757528, -3.16227633e-05, -0.387603223,
         1.43132234, -0.273790181]),
    "adagrad_init0": (
        "Adagrad", dict(learning_rate=0.1, initial_accumulator_value=0.0, epsilon=0.001),
        [0.423292786, -0.920205176, 1.90766001, -0.0287023392, -0.0090909088, -0.394405812,
         1.42262387, -0.272324473]),
    "adadelta": ("Adadelta", dict(learning_rate=1.0),
        [0.499002695, -0.998824894, 1.99904382, 0.0980894938, -9.97509342e-05, -0.303037912,
         1.49913883, -0.251178563]),
    "adam": ("Adam", dict(learning_rate=0.01),
        [0.483932585, -0.986299932, 1.97966063, 0.0747776031, -0.0127890436, -0.300171793,
         1.47934675, -0.240637884]),
    "adam_amsgrad_decay": ("Adam", dict(learning_rate=0.01, amsgrad=True, decay=0.2),
        [0.485349119, -0.987287998, 1.98142934, 0.077971682, -0.00999181904, -0.297702253,
         1.48130834, -0.240060225]),
    "adamax": ("Adamax", dict(learning_rate=0.01),
        [0.485637188, -0.986921966, 1.98022163, 0.0777652413, -0.00857893191, -0.29665795,
         1.4817487, -0.240180537]),
    "nadam": ("Nadam", dict(learning_rate=0.01),
        [0.490826011, -0.990629852, 1.98972499, 0.0852112025, -0.0111657577, -0.309791863,
         1.49102378, -0.252161473]),
    "nadam_schedule_decay": ("Nadam", dict(learning_rate=0.01, schedule_decay=0.1),
        [0.490810484, -0.990627408, 1.98967087, 0.0851783752, -0.0111549711, -0.309699625,
         1.49096847, -0.25208348]),
    "sgd_clipnorm": ("SGD", dict(learning_rate=0.1, clipnorm=1.0),
        [0.495608181, -0.986508846, 2.00763726, -0.0303804204, -4.48092715e-06, -0.326964259,
         1.44834769, -0.309404731]),
    "sgd_global_clipnorm": ("SGD", dict(learning_rate=0.1, global_clipnorm=1.0),
        [0.496841073, -0.99240005, 1.98556626, -0.0370660499, -4.33538617e-06, -0.318311393,
         1.48824584, -0.308270812]),
    "sgd_clipvalue": ("SGD", dict(learning_rate=0.1, clipvalue=0.5),
        [0.484999985, -0.960000038, 1.95000005, 0.0500000007, -9.99999975e-06, -0.351000041,
         1.47000003, -0.300000012]),
    "adam_clipvalue_clipnorm": ("Adam", dict(learning_rate=0.01, clipvalue=0.5, clipnorm=0.6),
        [0.484565914, -0.987129629, 1.97702336, 0.0770232975, -0.0126476455, -0.300492615,
         1.47842801, -0.245683372]),
    "adam_clipvalue_global_clipnorm": (
        "Adam", dict(learning_rate=0.01, clipvalue=0.5, global_clipnorm=0.6),
        [0.484853476, -0.987481236, 1.97697961, 0.0769796818, -0.0125296172, -0.30063951,
         1.47847068, -0.245351538]),
}
CURRENT_F64 = {
    "sgd_mom": ("SGD", dict(learning_rate=0.125, momentum=0.75),
        [0.4578125, -0.90546875, 1.7015625, -1.0796875, -2.1875000000000003e-05,
         -0.363984375, 1.30703125, -0.26250000000000007]),
    "sgd_nesterov": ("SGD", dict(learning_rate=0.125, momentum=0.75, nesterov=True),
        [0.449609375, -0.8791015625, 1.7261718750000001, -1.284765625,
         -2.8906250000000005e-05, -0.41173828125, 1.3052734375000001, -0.4218750000000001]),
    "sgd_weight_decay": ("SGD", dict(learning_rate=0.125, momentum=0.5, weight_decay=0.25),
        [0.4248626708984375, -0.8405334472656251, 1.63145751953125, -0.7785919189453125,
         -1.8359375e-05, -0.3368255615234375, 1.2372711181640625, -0.31815643310546876]),
    "rmsprop": ("RMSprop", dict(learning_rate=0.0625, rho=0.75),
        [0.40283176357783945, -0.8964889306372394, 1.886316332309914, -0.05972654195942724,
         -0.01952172023607576, -0.4148197846461111, 1.4090011735940489, -0.2910257380419913]),
    "rmsprop_centered": ("RMSprop", dict(learning_rate=0.0625, rho=0.75, centered=True),
        [0.3829203029970262, -0.875305295681957, 1.8373391836101725, -0.09989437777522156,
         -0.019581511249698938, -0.4208449029822413, 1.3751539710719676, -0.2816033352405518]),
    "rmsprop_mom_centered": (
        "RMSprop", dict(learning_rate=0.0625, rho=0.75, momentum=0.5, centered=True),
        [0.3061647286382834, -0.8094711954523912, 1.669102044249876, -0.25821016586693213,
         -0.029372266874548407, -0.37272023942589055, 1.231922442247436, -0.200864266371302]),
    "adagrad": ("Adagrad", dict(learning_rate=0.125),
        [0.449454959100404, -0.9159574427950202, 1.8913444780383528, -0.060094681614829185,
         -3.9528449011463764e-05, -0.4095040169748596, 1.414152833336157,
         -0.27973770478098847]),
    "adadelta": ("Adadelta", dict(learning_rate=1.0, rho=0.75),
        [0.4995516429620713, -0.9994507920428439, 1.999579665764147, 0.09915374445071501,
         -9.877295966495897e-05, -0.3013583094242126, 1.4996333902876717, -0.2505803374730197]),
    "adam": ("Adam", dict(learning_rate=0.0625, beta_1=0.75, beta_2=0.9375),
        [0.4077950173050888, -0.9206647448474596, 1.8814886039981855, -0.05029327937704084,
         -0.08450309039594195, -0.3116321423070286, 1.3812581611537886, -0.2046582620537044]),
    "adam_amsgrad": ("Adam", dict(learning_rate=0.0625, amsgrad=True, beta_1=0.75, beta_2=0.9375),
        [0.4078855389073183, -0.9206647448474596, 1.8814886039981855, -0.05029327937704084,
         -0.08339647155507679, -0.3116321423070286, 1.3812581611537886, -0.2046582620537044]),
    "adam_adaptive_epsilon": (
        "Adam", dict(learning_rate=0.0625, epsilon=0.125, adaptive_epsilon=True, beta_1=0.75, beta_2=0.9375),
        [0.4458943507029574, -0.9371809006278577, 1.8950694678072895, -0.043424125394171426,
         -4.476375186339773e-05, -0.33106694350143906, 1.4014139811190902,
         -0.20975588306743678]),
    "adamw": ("AdamW", dict(learning_rate=0.0625, weight_decay=0.25, beta_1=0.75, beta_2=0.9375),
        [0.386837882225123, -0.8764252946631848, 1.792103206687979, -0.05203398948025943,
         -0.08372943218797721, -0.2992890634138533, 1.3148410109188766, -0.19530516015103744]),
    "adamax": ("Adamax", dict(learning_rate=0.0625, beta_1=0.75, beta_2=0.9375),
        [0.4145227810055996, -0.9221074806372082, 1.879372599512032, -0.038890671538080845,
         -0.05727719024012501, -0.28735572023562195, 1.3917783758966893, -0.1977745654629923]),
    "nadam": ("Nadam", dict(learning_rate=0.0625, beta_1=0.75, beta_2=0.9375),
        [0.4362286866030782, -0.9358321885201671, 1.927208029090023, -0.0054231960375530856,
         -0.08016203649901293, -0.3679704976404376, 1.435930195516184, -0.2653918204347351]),
    "sgd_clipnorm": ("SGD", dict(learning_rate=0.125, clipnorm=1.0),
        [0.49451022488781776, -0.9831361350857172, 2.0095465547669624, -0.06297553513650186,
         -5.601158989601981e-06, -0.3337053177966064, 1.4354346075052824,
         -0.32425592304033973]),
    "adam_clipvalue_global_clipnorm": (
        "Adam", dict(learning_rate=0.0625, clipvalue=0.5, global_clipnorm=0.625, beta_1=0.75, beta_2=0.9375),
        [0.42660305704178364, -0.9415758776181467, 1.8797122161822177, -0.0540779942329325,
         -0.08359489130003875, -0.31970035950144393, 1.3782053287165035, -0.22056767695393795]),
}
LEGACY_F64 = {
    "sgd_mom": ("SGD", dict(learning_rate=0.125, momentum=0.75),
        [0.4578125, -0.90546875, 1.7015625, -1.0796875, -2.1875000000000003e-05,
         -0.363984375, 1.30703125, -0.26250000000000007]),
    "sgd_nesterov": ("SGD", dict(learning_rate=0.125, momentum=0.75, nesterov=True),
        [0.449609375, -0.8791015625, 1.7261718750000001, -1.284765625,
         -2.8906250000000005e-05, -0.41173828125, 1.3052734375000001, -0.4218750000000001]),
    "rmsprop": ("RMSprop", dict(learning_rate=0.0625, rho=0.75),
        [0.4028313386973565, -0.8964888859432633, 1.8863163301495236, -0.059726535013557555,
         -0.124750499001996, -0.4146202969071858, 1.4090011545527836, -0.29102573473573723]),
    "rmsprop_centered": ("RMSprop", dict(learning_rate=0.0625, rho=0.75, centered=True),
        [0.38291957108575425, -0.875305211706515, 1.8373391717088228, -0.09989436817775674,
         -0.1440050019907504, -0.42051870625500454, 1.375153921659325, -0.28160332909156005]),
    "rmsprop_mom_centered": (
        "RMSprop", dict(learning_rate=0.0625, rho=0.75, momentum=0.5, centered=True),
        [0.3061647286382834, -0.8094711954523912, 1.669102044249876, -0.25821016586693213,
         -0.029372266874548407, -0.37272023942589055, 1.231922442247436, -0.200864266371302]),
    "adagrad": ("Adagrad", dict(learning_rate=0.125),
        [0.4494549543708436, -0.9159574448359621, 1.8913444843414031, -0.06009467730069615,
         -3.952845627568656e-05, -0.40950401491405863, 1.41415283700796, -0.2797377049894618]),
    "adadelta": ("Adadelta", dict(learning_rate=1.0, rho=0.75),
        [0.4995516429620713, -0.9994507920428439, 1.999579665764147, 0.09915374445071501,
         -9.877295966495896e-05, -0.3013583094242126, 1.4996333902876717, -0.2505803374730197]),
    "adam": ("Adam", dict(learning_rate=0.0625, beta_1=0.75, beta_2=0.9375),
        [0.4077950173050888, -0.9206647448474596, 1.8814886039981855, -0.05029327937704084,
         -0.08450309039594195, -0.3116321423070286, 1.3812581611537886, -0.2046582620537044]),
    "adam_amsgrad": ("Adam", dict(learning_rate=0.0625, amsgrad=True, beta_1=0.75, beta_2=0.9375),
        [0.4078855389073183, -0.9206647448474596, 1.8814886039981855, -0.05029327937704084,
         -0.08339647155507679, -0.3116321423070286, 1.3812581611537886, -0.2046582620537044]),
    "adamax": ("Adamax", dict(learning_rate=0.0625, beta_1=0.75, beta_2=0.9375),
        [0.4145227810055996, -0.9221074806372082, 1.879372599512032, -0.038890671538080845,
         -0.05727719024012501, -0.28735572023562195, 1.3917783758966893, -0.1977745654629923]),
    "nadam": ("Nadam", dict(learning_rate=0.0625, beta_1=0.75, beta_2=0.9375),
        [0.43772762322306324, -0.9365403350209024, 1.9308234895510559,
         -0.0023054584907192324, -0.07953982235350046, -0.37180788087214506,
         1.4396618127672203, -0.2692423025346571]),
    "sgd_clipnorm": ("SGD", dict(learning_rate=0.125, clipnorm=1.0),
        [0.49451022488781776, -0.9831361350857172, 2.0095465547669624, -0.06297553513650186,
         -5.601158989601981e-06, -0.3337053177966064, 1.4354346075052824,
         -0.32425592304033973]),
    "adam_clipvalue_global_clipnorm": (
        "Adam", dict(learning_rate=0.0625, clipvalue=0.5, global_clipnorm=0.625, beta_1=0.75, beta_2=0.9375),
        [0.41365008767255373, -0.9280836307212731, 1.8635118762121123, -0.036488123787887655,
         -0.0842960363866832, -0.3143842252608255, 1.3747135196716498, -0.233125239405924]),
    "nadam_schedule_decay": (
        "Nadam", dict(learning_rate=0.0625, schedule_decay=0.5, beta_1=0.75, beta_2=0.9375),
        [0.43697223280723724, -0.9361916055115853, 1.9289747165656341,
         -0.0038961143462479496, -0.07986076163042767, -0.36984445311330044,
         1.4377551365174175, -0.2672747846609692]),
}
STATES = {
    "legacy/adadelta": (
        ['Adadelta/iter:0', 'Adadelta/Variable/accum_grad:0',
         'Adadelta/Variable/accum_grad:0', 'Adadelta/Variable/accum_var:0',
         'Adadelta/Variable/accum_var:0'],
        [[3.0],
         [0.008125000000000002, 0.08765624999999999, 0.855, 2.265625, 1.8750000000000002e-09,
          0.0625890625],
         [0.17578124999999997, 1.2493750000000001],
         [1.1105623892383823e-07, 1.9387128749073427e-07, 3.175859019663579e-07,
          1.3958599852767215e-07, 1.8292682926829269e-09, 5.241411904876471e-07],
         [1.9550225564070345e-07, 2.546056852813888e-07]]),
    "legacy/adam_amsgrad": (
        ['Adam/iter:0', 'Adam/Variable/m:0', 'Adam/Variable/m:0', 'Adam/Variable/v:0',
         'Adam/Variable/v:0', 'Adam/Variable/vhat:0', 'Adam/Variable/vhat:0'],
        [[3.0],
         [0.021875, -0.0703125, -0.06562500000000004, 0.546875, 1.8750000000000002e-05,
          0.12734375],
         [0.004687500000000011, 0.42500000000000004],
         [0.0029394531250000007, 0.02873291015625, 0.243017578125, 0.791259765625,
          5.859375e-10, 0.0156539306640625],
         [0.05468994140625, 0.34375],
         [0.0029687500000000005, 0.02873291015625, 0.243017578125, 0.791259765625, 6.25e-10,
          0.0156539306640625],
         [0.05468994140625, 0.34375]]),
    "legacy/nadam": (
        ['Nadam/iter:0', 'Nadam/momentum_cache:0', 'Nadam/Variable/m:0',
         'Nadam/Variable/m:0', 'Nadam/Variable/v:0', 'Nadam/Variable/v:0'],
        [[3.0],
         [0.05278604598657395],
         [0.021875000000000006, -0.0703125, -0.06562500000000004, 0.546875,
          1.8750000000000002e-05, 0.12734375],
         [0.004687499999999983, 0.42500000000000004],
         [0.0029394531250000007, 0.02873291015625, 0.24301757812500002, 0.791259765625,
          5.859375e-10, 0.0156539306640625],
         [0.05468994140625, 0.34375]]),
    "legacy/rmsprop_mom_centered": (
        ['RMSprop/iter:0', 'RMSprop/Variable/rms:0', 'RMSprop/Variable/rms:0',
         'RMSprop/Variable/momentum:0', 'RMSprop/Variable/momentum:0',
         'RMSprop/Variable/mg:0', 'RMSprop/Variable/mg:0'],
        [[3.0],
         [0.008125000000000002, 0.08765625, 0.855, 2.265625, 1.8750000000000002e-09,
          0.0625890625],
         [0.17578125, 1.2493750000000001],
         [0.040324122644231054, -0.058860604088477396, -0.005576322970468964,
          0.04157858968351091, 0.009790755624849469, 0.1689695665385922],
         [-0.018385499896498902, 0.11234240410980165],
         [0.021875, -0.0703125, -0.06562500000000004, 0.546875, 1.8750000000000002e-05,
          0.12734375],
         [0.004687500000000011, 0.42500000000000004]]),
    "new/adadelta": (
        ['iteration:0', 'Adadelta/accumulated_grad/Variable:0',
         'Adadelta/accumulated_delta_var/Variable:0', 'Adadelta/accumulated_grad/Variable:0',
         'Adadelta/accumulated_delta_var/Variable:0'],
        [[3.0],
         [0.008125000000000002, 0.08765624999999999, 0.855, 2.265625, 1.8750000000000002e-09,
          0.0625890625],
         [1.1105623892383823e-07, 1.9387128749073424e-07, 3.175859019663579e-07,
          1.395859985276721e-07, 1.829268292682927e-09, 5.241411904876471e-07],
         [0.17578124999999997, 1.2493750000000001],
         [1.9550225564070345e-07, 2.5460568528138873e-07]]),
    "new/adam_amsgrad": (
        ['iteration:0', 'Adam/m/Variable:0', 'Adam/v/Variable:0', 'Adam/m/Variable:0',
         'Adam/v/Variable:0', 'Adam/vhat/Variable:0', 'Adam/vhat/Variable:0'],
        [[3.0],
         [0.021875, -0.0703125, -0.06562500000000004, 0.546875, 1.8750000000000002e-05,
          0.12734375],
         [0.0029394531250000007, 0.02873291015625, 0.243017578125, 0.791259765625,
          5.859375e-10, 0.0156539306640625],
         [0.004687500000000011, 0.42500000000000004],
         [0.05468994140625, 0.34375],
         [0.0029687500000000005, 0.02873291015625, 0.243017578125, 0.791259765625, 6.25e-10,
          0.0156539306640625],
         [0.05468994140625, 0.34375]]),
    "new/adamax": (
        ['iteration:0', 'Adamax/m/Variable:0', 'Adamax/u/Variable:0', 'Adamax/m/Variable:0',
         'Adamax/u/Variable:0'],
        [[3.0],
         [0.021875, -0.0703125, -0.06562500000000004, 0.546875, 1.8750000000000002e-05,
          0.12734375],
         [0.17578125, 0.439453125, 1.5, 2.63671875, 9.375e-05, 0.5],
         [0.004687500000000011, 0.42500000000000004],
         [0.615234375, 2.0]]),
    "new/nadam": (
        ['iteration:0', 'Nadam/m/Variable:0', 'Nadam/v/Variable:0', 'Nadam/m/Variable:0',
         'Nadam/v/Variable:0'],
        [[3.0],
         [0.021875, -0.0703125, -0.06562500000000004, 0.546875, 1.8750000000000002e-05,
          0.12734375],
         [0.0029394531250000007, 0.02873291015625, 0.243017578125, 0.791259765625,
          5.859375e-10, 0.0156539306640625],
         [0.004687500000000011, 0.42500000000000004],
         [0.05468994140625, 0.34375]]),
    "new/rmsprop_mom_centered": (
        ['iteration:0', 'RMSprop/velocity/Variable:0', 'RMSprop/velocity/Variable:0',
         'RMSprop/momentum/Variable:0', 'RMSprop/momentum/Variable:0',
         'RMSprop/average_gradient/Variable:0', 'RMSprop/average_gradient/Variable:0'],
        [[3.0],
         [0.008125000000000002, 0.08765624999999999, 0.855, 2.265625, 1.8750000000000002e-09,
          0.0625890625],
         [0.17578124999999997, 1.2493750000000001],
         [0.040324122644231054, -0.05886060408847739, -0.005576322970468978,
          0.04157858968351091, 0.009790755624849469, 0.1689695665385922],
         [-0.018385499896498916, 0.11234240410980165],
         [0.021875000000000006, -0.0703125, -0.06562500000000004, 0.546875,
          1.8750000000000002e-05, 0.12734375],
         [0.004687499999999983, 0.42500000000000004]]),
    "new/sgd_mom": (
        ['iteration:0', 'SGD/m/Variable:0', 'SGD/m/Variable:0'],
        [[3.0],
         [-0.010937500000000003, 0.03515625, 0.03281250000000002, -0.2734375,
          -9.375000000000001e-06, -0.063671875],
         [-0.0023437499999999917, -0.21250000000000002]]),
}


def _family(label):
    return optimizers if label == "current" else legacy


def run_tkeras(opt, w0=W0, grads=GRADS, dtype=torch.float64):
    params = [torch.nn.Parameter(torch.tensor(w, dtype=dtype)) for w in w0]
    opt._attach(params)
    history = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = torch.tensor(g, dtype=dtype)
        opt._step()
        opt._zero_grad()
        history.append([p.detach().numpy().copy() for p in params])
    return params, history


def _flat(params):
    return np.concatenate([p.detach().numpy().ravel() for p in params])


F32_CASES = [("current", c) for c in CURRENT_F32] + [("legacy", c) for c in LEGACY_F32]
F64_CASES = [("current", c) for c in CURRENT_F64] + [("legacy", c) for c in LEGACY_F64]


@pytest.mark.parametrize("family,case", F32_CASES, ids="/".join)
def test_optimizer_matches_tf_keras_in_float32(family, case):
    cls, kw, expected = (CURRENT_F32 if family == "current" else LEGACY_F32)[case]
    params, _ = run_tkeras(getattr(_family(family), cls)(**kw), dtype=torch.float32)
    # float32: a few ulps of rounding-order differences, and tf-keras's bias corrections
    # use float32-rounded betas where tkeras uses the double values (measured max 3.6e-7).
    np.testing.assert_allclose(_flat(params), expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("family,case", F64_CASES, ids="/".join)
def test_optimizer_matches_tf_keras_in_float64(family, case):
    cls, kw, expected = (CURRENT_F64 if family == "current" else LEGACY_F64)[case]
    opt = getattr(_family(family), cls)(**kw)
    params, _ = run_tkeras(opt)
    # Nadam: tf-keras computes `tf.cast(0.96, tf.float64)` (0.96 rounded to float32) and
    # torch keeps the momentum-schedule product in a float32 scalar: measured 3.9e-9.
    atol = 1e-8 if cls == "Nadam" else 1e-12
    np.testing.assert_allclose(_flat(params), expected, rtol=0, atol=atol)
    key = ("new/" if family == "current" else "legacy/") + case
    if key in STATES:
        names, values = STATES[key]
        assert opt._weight_names(["Variable", "Variable"]) == names
        weights = opt.get_weights()
        assert len(weights) == len(values)
        for got, exp in zip(weights, values):
            np.testing.assert_allclose(np.ravel(got), exp, rtol=0, atol=atol)


# ----------------------------------------------------------------- NumPy oracle

DEFAULTS = {
    "SGD": dict(learning_rate=0.01, momentum=0.0, nesterov=False),
    "RMSprop": dict(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False),
    "Adagrad": dict(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7),
    "Adadelta": dict(learning_rate=0.001, rho=0.95, epsilon=1e-7),
    "Adam": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 adaptive_epsilon=False),
    "AdamW": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                  adaptive_epsilon=False, weight_decay=0.004),
    "Adamax": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
    "Nadam": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
}


def _clip(gs, h, legacy_rules):
    def by_value(gs, c):
        return [np.clip(g, -c, c) for g in gs]

    def by_norm(gs, c):
        return [g * c / max(np.linalg.norm(g), c) for g in gs]

    def by_global_norm(gs, c):
        total = math.sqrt(sum(float(np.sum(g * g)) for g in gs))
        return [g * c / max(total, c) for g in gs]

    rules = (("clipvalue", by_value), ("clipnorm", by_norm), ("global_clipnorm", by_global_norm))
    if legacy_rules:  # each set one, in turn
        for key, fn in rules:
            if h.get(key) is not None:
                gs = fn(gs, h[key])
        return gs
    for key, fn in (rules[1], rules[2], rules[0]):  # only the first set one (> 0)
        if h.get(key):
            return fn(gs, h[key])
    return gs


def keras2_reference(cls, kw, w0, grads, legacy_rules):
    """tf-keras's update rules (current classes, or legacy with `legacy_rules`), float64,
    written from the formulas: returns the parameters after each step."""
    h = dict(DEFAULTS[cls], **kw)
    decay = h.pop("decay", 0.0)
    if cls == "Nadam":
        if legacy_rules:
            decay, sd = 0.0, h.get("schedule_decay", 0.004)   # no learning-rate decay
        else:
            sd = h.get("schedule_decay", 1.0)                 # current schedule 0.96 ** t
    ws = [w.astype(np.float64).copy() for w in w0]
    st = [dict() for _ in ws]
    m_cache = 1.0
    history = []
    for it, step_grads in enumerate(grads):
        t = it + 1
        gs = _clip([g.astype(np.float64).copy() for g in step_grads], h, legacy_rules)
        lr = float(np.float32(h["learning_rate"]))  # Keras keeps the rate in a float32 variable
        lr = lr / (1.0 + decay * it)
        if not legacy_rules and h.get("weight_decay"):
            for w in ws:
                w -= w * h["weight_decay"] * lr
        if cls == "Nadam":
            b1 = h["beta_1"]
            mu_t = b1 * (1 - 0.5 * 0.96 ** (sd * t))
            mu_next = b1 * (1 - 0.5 * 0.96 ** (sd * (t + 1)))
            m_cache = m_cache * mu_t
            m_next = m_cache * mu_next
        for w, g, s in zip(ws, gs, st):
            if cls == "SGD":
                if h["momentum"]:
                    v = h["momentum"] * s.get("v", 0.0) - lr * g
                    s["v"] = v
                    w += h["momentum"] * v - lr * g if h["nesterov"] else v
                else:
                    w -= lr * g
            elif cls == "RMSprop":
                rho, eps = h["rho"], h["epsilon"]
                s["ms"] = rho * s.get("ms", 0.0) + (1 - rho) * g * g
                denom = s["ms"]
                if h["centered"]:
                    s["mg"] = rho * s.get("mg", 0.0) + (1 - rho) * g
                    denom = denom - s["mg"] ** 2
                if h["momentum"]:
                    s["mom"] = h["momentum"] * s.get("mom", 0.0) + lr * g / np.sqrt(denom + eps)
                    w -= s["mom"]
                elif legacy_rules:
                    w -= lr * g / (np.sqrt(denom) + eps)
                else:
                    w -= lr * g / np.sqrt(denom + eps)
            elif cls == "Adagrad":
                s["acc"] = s.get("acc", h["initial_accumulator_value"]) + g * g
                if legacy_rules:
                    w -= lr * g / (np.sqrt(s["acc"]) + h["epsilon"])
                else:
                    w -= lr * g / np.sqrt(s["acc"] + h["epsilon"])
            elif cls == "Adadelta":
                rho, eps = h["rho"], h["epsilon"]
                s["acc"] = rho * s.get("acc", 0.0) + (1 - rho) * g * g
                upd = g * np.sqrt(s.get("acc_u", 0.0) + eps) / np.sqrt(s["acc"] + eps)
                s["acc_u"] = rho * s.get("acc_u", 0.0) + (1 - rho) * upd * upd
                w -= lr * upd
            elif cls in ("Adam", "AdamW"):
                b1, b2, eps = h["beta_1"], h["beta_2"], h["epsilon"]
                s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
                s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
                lr_t = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                if h["adaptive_epsilon"]:
                    eps = eps * math.sqrt(1 - b2 ** t)
                v = s["v"]
                if h["amsgrad"]:
                    s["vhat"] = np.maximum(s.get("vhat", 0.0), s["v"])
                    v = s["vhat"]
                w -= lr_t * s["m"] / (np.sqrt(v) + eps)
            elif cls == "Adamax":
                b1, b2, eps = h["beta_1"], h["beta_2"], h["epsilon"]
                s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
                s["u"] = np.maximum(b2 * s.get("u", 0.0), np.abs(g))
                w -= lr / (1 - b1 ** t) * s["m"] / (s["u"] + eps)
            elif cls == "Nadam":
                b1, b2, eps = h["beta_1"], h["beta_2"], h["epsilon"]
                g_prime = g / (1 - m_cache)
                s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
                m_prime = s["m"] / (1 - m_next)
                s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
                v_prime = s["v"] / (1 - b2 ** t)
                m_bar = (1 - mu_t) * g_prime + mu_next * m_prime
                w -= lr * m_bar / (np.sqrt(v_prime) + eps)
        history.append([w.copy() for w in ws])
    return history


# tkeras runs in float64 here, so the only differences left are rounding (~1e-16),
# except Nadam: torch keeps the momentum-schedule product `mu_product` in a float32
# scalar tensor (relative 6e-8), measured 1.8e-10 on these parameters.
@pytest.mark.parametrize("family,case", F32_CASES, ids="/".join)
def test_optimizer_matches_numpy_keras2_update_rule(family, case):
    cls, kw, _ = (CURRENT_F32 if family == "current" else LEGACY_F32)[case]
    expected = keras2_reference(cls, kw, W0, GRADS, legacy_rules=family == "legacy")
    _, got = run_tkeras(getattr(_family(family), cls)(**kw))
    atol = 1e-9 if cls == "Nadam" else 1e-12
    for step in range(3):
        for w_got, w_exp in zip(got[step], expected[step]):
            np.testing.assert_allclose(w_got, w_exp, rtol=0, atol=atol)


def test_current_and_legacy_differ_where_tf_keras_does():
    # Largest parameter difference after the 3 reference steps (tf-keras's own numbers):
    # RMSprop 3e-2 (the entry with g = 1e-4: sqrt(ms) ~ 3e-5 is close to epsilon),
    # Adagrad with a zero initial accumulator 3e-2, Nadam 1e-3, Adam with clipvalue and
    # clipnorm 4e-3 (current: clipnorm only); SGD, Adam, Adamax, Adadelta: identical.
    for case, diff in [("rmsprop", 2.8e-2), ("adagrad_init0", 2.6e-2), ("nadam", 9e-4),
                       ("adam_clipvalue_clipnorm", 4e-3)]:
        assert np.max(np.abs(np.subtract(CURRENT_F32[case][2], LEGACY_F32[case][2]))) > diff
    for case in ("sgd_mom", "adam", "adamax", "adadelta"):
        np.testing.assert_allclose(CURRENT_F32[case][2], LEGACY_F32[case][2], atol=3e-7)


# --------------------------------------------------------------- hyperparameters

_TF_COMMON = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
              "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
              "ema_overwrite_frequency": None, "is_legacy_optimizer": False}
# tf-keras 2.21 `keras.optimizers.X().get_config()` (minus `jit_compile`, which tf-keras
# reports False on a machine without XLA GPU; tkeras keeps the argument, default True).
TF_CURRENT_DEFAULT_CONFIGS = {
    "SGD": dict(learning_rate=0.01, momentum=0.0, nesterov=False),
    "RMSprop": dict(ema_overwrite_frequency=100, learning_rate=0.001, rho=0.9, momentum=0.0,
                    epsilon=1e-07, centered=False),
    "Adagrad": dict(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-07),
    "Adadelta": dict(learning_rate=0.001, rho=0.95, epsilon=1e-07),
    "Adam": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07, amsgrad=False),
    "AdamW": dict(weight_decay=0.004, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                  epsilon=1e-07, amsgrad=False),
    "Adamax": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07),
    "Nadam": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07),
}
# tf-keras 2.21 `keras.optimizers.legacy.X().get_config()`.
TF_LEGACY_DEFAULT_CONFIGS = {
    "SGD": dict(learning_rate=0.01, decay=0.0, momentum=0.0, nesterov=False),
    "RMSprop": dict(learning_rate=0.001, decay=0.0, rho=0.9, momentum=0.0, epsilon=1e-07,
                    centered=False),
    "Adagrad": dict(learning_rate=0.001, decay=0.0, initial_accumulator_value=0.1,
                    epsilon=1e-07),
    "Adadelta": dict(learning_rate=0.001, decay=0.0, rho=0.95, epsilon=1e-07),
    "Adam": dict(learning_rate=0.001, decay=0.0, beta_1=0.9, beta_2=0.999, epsilon=1e-07,
                 amsgrad=False),
    "Adamax": dict(learning_rate=0.001, decay=0.0, beta_1=0.9, beta_2=0.999, epsilon=1e-07),
    "Nadam": dict(learning_rate=0.001, decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-07),
}


def _as_float32_lr(config):
    return dict(config, learning_rate=float(np.float32(config["learning_rate"])))


@pytest.mark.parametrize("name", sorted(TF_CURRENT_DEFAULT_CONFIGS))
def test_current_optimizers_have_tf_keras_defaults(name):
    config = getattr(optimizers, name)().get_config()
    assert config.pop("jit_compile") is True
    expected = dict({"name": name}, **_TF_COMMON)
    expected.update(TF_CURRENT_DEFAULT_CONFIGS[name])
    assert _as_float32_lr(config) == _as_float32_lr(expected)
    assert list(config) == list(expected)  # the key order of tf-keras's configs


@pytest.mark.parametrize("name", sorted(TF_LEGACY_DEFAULT_CONFIGS))
def test_legacy_optimizers_have_tf_keras_defaults(name):
    config = getattr(legacy, name)().get_config()
    expected = dict(name=name, **TF_LEGACY_DEFAULT_CONFIGS[name])
    assert _as_float32_lr(config) == _as_float32_lr(expected)
    assert list(config) == list(expected)


def test_legacy_classes_are_importable_and_distinct():
    from tkeras.optimizers.legacy import Adam as LegacyAdam
    assert LegacyAdam is legacy.Adam and legacy.Adam is not Adam
    for name in ("SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam"):
        opt = getattr(legacy, name)()
        assert isinstance(opt, legacy.Optimizer) and isinstance(opt, optimizers.Optimizer)
        assert not isinstance(getattr(optimizers, name)(), legacy.Optimizer)
    assert not hasattr(legacy, "AdamW")  # tf-keras has no legacy AdamW


@pytest.mark.parametrize("ns", [optimizers, legacy], ids=["current", "legacy"])
def test_lr_is_an_alias_of_learning_rate(ns):
    # tf-keras's current classes warn and ignore `lr=`; Keras 2 scripts mean the rate.
    opt = ns.Adam(lr=0.05)
    assert float(opt.learning_rate) == pytest.approx(0.05)
    assert opt.lr is opt.learning_rate
    assert opt.learning_rate.dtype == torch.float32 and opt.learning_rate.dim() == 0
    assert opt.learning_rate.device.type == "cpu"
    assert opt.get_config()["learning_rate"] == pytest.approx(0.05)


@pytest.mark.parametrize("ns", [optimizers, legacy], ids=["current", "legacy"])
def test_set_value_or_assigning_the_learning_rate_changes_the_next_step(ns):
    w = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = ns.SGD(learning_rate=0.1)
    opt._attach([w])
    w.grad = torch.ones(1, dtype=torch.float64)
    opt._step()
    assert w.item() == pytest.approx(-0.1)
    K.set_value(opt.lr, 0.01)
    assert float(K.get_value(opt.learning_rate)) == pytest.approx(0.01)
    w.grad = torch.ones(1, dtype=torch.float64)
    opt._step()
    assert w.item() == pytest.approx(-0.11)
    opt.lr = 1.0                             # plain assignment
    w.grad = torch.ones(1, dtype=torch.float64)
    opt._step()
    assert w.item() == pytest.approx(-1.11)
    assert float(opt.lr) == 1.0 and opt.iterations == 3


def _steps_taken(opt, n=3):
    w = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt._attach([w])
    steps = []
    for _ in range(n):
        w.grad = torch.ones(1, dtype=torch.float64)
        before = w.item()
        opt._step()
        steps.append(before - w.item())
    return steps


@pytest.mark.parametrize("ns", [optimizers, legacy], ids=["current", "legacy"])
def test_decay_divides_the_rate_by_one_plus_decay_times_iterations(ns):
    # Keras 2 time decay in both families (tf-keras's current classes raise on `decay=`;
    # their equivalent is `InverseTimeDecay(lr, 1, decay)`, see the reference cases).
    np.testing.assert_allclose(_steps_taken(ns.SGD(learning_rate=1.0, decay=0.5)),
                               [1.0, 1 / 1.5, 1 / 2.0])
    opt = ns.Adam(decay=0.25)
    assert opt.get_config()["decay"] == 0.25
    assert type(opt).from_config(opt.get_config()).decay == 0.25


def test_current_configs_mention_decay_only_when_set():
    assert "decay" not in Adam().get_config()
    assert legacy.Adam().get_config()["decay"] == 0.0


def test_nadam_decay_current_decays_the_rate_legacy_ignores_it():
    current = Nadam(learning_rate=0.01, decay=1.0)
    old = legacy.Nadam(learning_rate=0.01, decay=1.0)
    assert current.decay == 1.0 and old.decay == 0.0
    # tf-keras legacy: the `decay` config entry is the momentum schedule decay
    assert old.get_config()["decay"] == 0.004
    assert legacy.Nadam(schedule_decay=0.01).get_config()["decay"] == 0.01
    assert legacy.Nadam.from_config(legacy.Nadam(schedule_decay=0.01).get_config()) \
        .schedule_decay == 0.01


def test_current_nadam_takes_keras22_schedule_decay_as_the_legacy_schedule():
    kw = dict(learning_rate=0.01, schedule_decay=0.004)
    _, got = run_tkeras(Nadam(**kw))
    _, expected = run_tkeras(legacy.Nadam(**kw))
    np.testing.assert_allclose(got[-1][0], expected[-1][0], atol=1e-15)
    assert Nadam(**kw).get_config()["schedule_decay"] == 0.004
    assert "schedule_decay" not in Nadam().get_config()


def test_weight_decay_and_adaptive_epsilon_are_current_only():
    w = torch.nn.Parameter(torch.tensor([2.0], dtype=torch.float64))
    opt = SGD(learning_rate=0.5, weight_decay=0.1)
    opt._attach([w])
    w.grad = torch.zeros(1, dtype=torch.float64)
    opt._step()
    assert w.item() == pytest.approx(2.0 * (1 - 0.1 * 0.5))   # w -= w * wd * lr
    with pytest.raises(TypeError, match="Unexpected keyword argument passed to optimizer: "
                                        "weight_decay"):
        legacy.SGD(weight_decay=0.1)
    with pytest.raises(TypeError, match="adaptive_epsilon"):
        legacy.Adam(adaptive_epsilon=True)
    with pytest.raises(ValueError, match="Missing value of `weight_decay`"):
        AdamW(weight_decay=None)


def test_use_ema_warns_that_it_is_not_implemented():
    with pytest.warns(UserWarning, match="use_ema"):
        Adam(use_ema=True)


@pytest.mark.parametrize("ns", [optimizers, legacy], ids=["current", "legacy"])
def test_optimizer_rejects_unknown_and_negative_arguments(ns):
    with pytest.raises(TypeError, match="Unexpected keyword argument passed to optimizer: foo"):
        ns.Adam(foo=1)
    with pytest.raises(ValueError, match="Expected clipnorm >= 0"):
        ns.SGD(clipnorm=-1.0)
    with pytest.raises(ValueError, match="Cannot accept both `clipnorm` and `global_clipnorm`"):
        ns.SGD(clipnorm=1.0, global_clipnorm=1.0)
    with pytest.raises(ValueError, match="momentum"):
        ns.SGD(momentum=1.5)


# --------------------------------------------------------------------- clipping

def _one_step(opt, grads):
    params = [torch.nn.Parameter(torch.zeros(len(g), dtype=torch.float64)) for g in grads]
    opt._attach(params)
    for p, g in zip(params, grads):
        p.grad = torch.tensor(g, dtype=torch.float64)
    opt._step()
    return [p.detach().numpy() for p in params]


@pytest.mark.parametrize("ns", [optimizers, legacy], ids=["current", "legacy"])
def test_clipnorm_clips_each_gradient_tensor_separately(ns):
    a, b = _one_step(ns.SGD(learning_rate=1.0, clipnorm=1.0), [[3.0, 4.0], [0.5]])
    np.testing.assert_allclose(a, [-0.6, -0.8])   # norm 5 -> scaled to 1
    np.testing.assert_allclose(b, [-0.5])         # norm 0.5 -> untouched


@pytest.mark.parametrize("ns", [optimizers, legacy], ids=["current", "legacy"])
def test_global_clipnorm_scales_all_gradients_together(ns):
    a, b = _one_step(ns.SGD(learning_rate=1.0, global_clipnorm=2.5), [[3.0, 4.0], [0.0]])
    np.testing.assert_allclose(a, [-1.5, -2.0])


@pytest.mark.parametrize("ns", [optimizers, legacy], ids=["current", "legacy"])
def test_clipvalue_clips_each_element(ns):
    (a,) = _one_step(ns.SGD(learning_rate=1.0, clipvalue=0.5), [[3.0, -4.0, 0.25]])
    np.testing.assert_allclose(a, [-0.5, 0.5, -0.25])


def test_current_classes_apply_only_the_first_clipping_legacy_all_in_turn():
    grads = [[3.0, -4.0]]
    # current: clipnorm wins over clipvalue (tf-keras returns after the first rule)
    (a,) = _one_step(SGD(learning_rate=1.0, clipvalue=0.5, clipnorm=1.0), grads)
    np.testing.assert_allclose(a, [-0.6, 0.8])
    # legacy: clipvalue to [0.5, -0.5] (norm 0.71), then clipnorm 1.0 leaves it
    (a,) = _one_step(legacy.SGD(learning_rate=1.0, clipvalue=0.5, clipnorm=1.0), grads)
    np.testing.assert_allclose(a, [-0.5, 0.5])
    # current: a zero clipnorm means no clipping
    (a,) = _one_step(SGD(learning_rate=1.0, clipnorm=0.0, clipvalue=1.0), grads)
    np.testing.assert_allclose(a, [-1.0, 1.0])


# ----------------------------------------------------------------------- config

ROUND_TRIP = [
    lambda ns: ns.SGD(learning_rate=0.05, momentum=0.9, nesterov=True, decay=1e-4, clipnorm=1.0),
    lambda ns: ns.RMSprop(learning_rate=0.002, rho=0.8, momentum=0.1, epsilon=1e-6,
                          centered=True),
    lambda ns: ns.Adagrad(learning_rate=0.02, initial_accumulator_value=0.2, clipvalue=0.5),
    lambda ns: ns.Adadelta(learning_rate=1.0, rho=0.9),
    lambda ns: ns.Adam(learning_rate=0.003, beta_1=0.8, beta_2=0.99, amsgrad=True,
                       global_clipnorm=2.0),
    lambda ns: ns.Adamax(learning_rate=0.002),
    lambda ns: ns.Nadam(learning_rate=0.002, schedule_decay=0.01),
]


@pytest.mark.parametrize("ns", [optimizers, legacy], ids=["current", "legacy"])
@pytest.mark.parametrize("make", ROUND_TRIP, ids=[
    "SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam"])
def test_config_round_trip(ns, make):
    opt = make(ns)
    config = opt.get_config()
    assert config.get("is_legacy_optimizer", True) is (ns is legacy)
    clone = type(opt).from_config(config)
    assert clone.get_config() == config
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again) is type(opt) and again.get_config() == config
    assert type(optimizers.get(optimizers.serialize(opt))) is type(opt)


def test_current_config_round_trip_keeps_weight_decay_and_friends():
    opt = AdamW(learning_rate=0.01, weight_decay=0.1, adaptive_epsilon=True,
                ema_momentum=0.9, jit_compile=False, name="opt")
    config = opt.get_config()
    assert config["weight_decay"] == 0.1 and config["adaptive_epsilon"] is True
    assert config["jit_compile"] is False and config["name"] == "opt"
    assert AdamW.from_config(config).get_config() == config


def test_from_config_accepts_keras22_lr_and_tf_keras_configs():
    sgd = legacy.SGD.from_config({"lr": 0.05, "momentum": 0.9, "decay": 0.0, "nesterov": True})
    assert float(sgd.lr) == pytest.approx(0.05) and sgd.nesterov
    nadam = legacy.Nadam.from_config({"lr": 0.002, "beta_1": 0.9, "beta_2": 0.999,
                                      "epsilon": 1e-8, "schedule_decay": 0.004})
    assert nadam.schedule_decay == 0.004
    # a legacy class reading a current config drops the current-only keys
    with pytest.warns(UserWarning, match="weight_decay"):
        adam = legacy.Adam.from_config(dict(Adam().get_config(), weight_decay=0.1))
    assert type(adam) is legacy.Adam


# tf-keras 2.21 `model.save('model.h5')` optimizer configs, as in the fixtures.
TF_CURRENT_ADAM_H5 = {"class_name": "Custom>Adam", "config": {
    "name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
    "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
    "ema_overwrite_frequency": None, "jit_compile": False, "is_legacy_optimizer": False,
    "learning_rate": 0.0010000000474974513, "beta_1": 0.9, "beta_2": 0.999,
    "epsilon": 1e-07, "amsgrad": False}}
TF_LEGACY_SGD_H5 = {"class_name": "SGD", "config": {
    "name": "SGD", "learning_rate": 0.05000000074505806, "decay": 0.0,
    "momentum": 0.8999999761581421, "nesterov": True}}
TF_LEGACY_RMSPROP_H5 = {"class_name": "RMSprop", "config": {
    "name": "RMSprop", "learning_rate": 0.0010000000474974513, "decay": 0.0,
    "rho": 0.8999999761581421, "momentum": 0.0, "epsilon": 1e-07, "centered": False}}


def test_get_maps_configs_by_is_legacy_optimizer_as_tf_keras():
    adam = optimizers.get(TF_CURRENT_ADAM_H5)
    assert type(adam) is Adam and adam.clipnorm is None
    assert float(adam.learning_rate) == pytest.approx(0.001)
    sgd = optimizers.get(TF_LEGACY_SGD_H5)
    assert type(sgd) is legacy.SGD and sgd.nesterov and sgd.momentum == pytest.approx(0.9)
    assert type(optimizers.get(TF_LEGACY_RMSPROP_H5)) is legacy.RMSprop
    # no `is_legacy_optimizer` key in a non-empty config (Keras <= 2.10): legacy
    assert type(optimizers.get({"class_name": "Adam", "config": {"lr": 0.1}})) is legacy.Adam
    assert type(optimizers.deserialize({"class_name": "rmsprop",
                                        "config": {"learning_rate": 0.1}})) is legacy.RMSprop
    # explicit flags
    flagged = {"class_name": "Nadam", "config": {"learning_rate": 0.1,
                                                 "is_legacy_optimizer": True}}
    assert type(optimizers.get(flagged)) is legacy.Nadam
    flagged["config"]["is_legacy_optimizer"] = False
    assert type(optimizers.get(flagged)) is Nadam
    # empty config: the current class (legacy on request)
    assert type(optimizers.get({"class_name": "SGD", "config": {}})) is SGD
    assert type(optimizers.deserialize({"class_name": "SGD", "config": {}},
                                       use_legacy_optimizer=True)) is legacy.SGD
    # tf-keras 2.9-2.10's experimental optimizers and AdamW are current classes
    assert type(optimizers.get({"class_name": "ExperimentalAdam",
                                "config": {"learning_rate": 0.1}})) is Adam
    assert type(optimizers.get({"class_name": "AdamW", "config": {"learning_rate": 0.1}})) \
        is AdamW


def test_get_resolves_names_to_current_classes_case_insensitively():
    for name, cls in [("sgd", SGD), ("RMSprop", RMSprop), ("rmsprop", RMSprop),
                      ("adagrad", Adagrad), ("Adadelta", Adadelta), ("adam", Adam),
                      ("ADAM", Adam), ("adamax", Adamax), ("nadam", Nadam), ("adamw", AdamW)]:
        assert type(optimizers.get(name)) is cls
    for opt in (Adam(), legacy.Adam()):
        assert optimizers.get(opt) is opt


def test_get_rejects_unknown_optimizer_names():
    with pytest.raises(ValueError, match="Unknown optimizer: 'adamw2'.*Valid values are"):
        optimizers.get("adamw2")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(42)


# ---------------------------------------------------------------------- weights

def test_reattach_keeps_known_state_and_starts_new_params_at_the_global_step():
    grads_w = [np.array([0.5, -1.0]), np.array([0.2, 0.3]), np.array([-0.4, 0.1])]
    w = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    v = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = Adam(learning_rate=0.1)
    opt._attach([w])
    for g in grads_w[:2]:
        w.grad = torch.tensor(g)
        opt._step()
    opt._attach([w, v])                     # re-compile with one more parameter
    w.grad = torch.tensor(grads_w[2])
    v.grad = torch.tensor([1.0], dtype=torch.float64)
    opt._step()
    expected_w = keras2_reference("Adam", dict(learning_rate=0.1), [np.zeros(2)],
                                  [[g] for g in grads_w], legacy_rules=False)[-1][0]
    np.testing.assert_allclose(w.detach().numpy(), expected_w, atol=1e-12)
    # Keras: fresh zero slots for v, bias corrections with the global t = 3.
    m, s = 0.1 * 1.0, 0.001 * 1.0
    lr_t = float(np.float32(0.1)) * math.sqrt(1 - 0.999 ** 3) / (1 - 0.9 ** 3)
    np.testing.assert_allclose(v.item(), -lr_t * m / (math.sqrt(s) + 1e-7), atol=1e-12)


WEIGHT_CASES = [(ns, name) for ns in (optimizers, legacy)
                for name in ("SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam")]


@pytest.mark.parametrize("ns,name", WEIGHT_CASES,
                         ids=[("current/" if ns is optimizers else "legacy/") + n
                              for ns, n in WEIGHT_CASES])
def test_get_weights_then_set_weights_reproduces_the_next_step(ns, name):
    kw = {"momentum": 0.9} if name in ("SGD", "RMSprop") else {}
    kw.update({"centered": True} if name == "RMSprop" else {})
    kw.update({"amsgrad": True} if name == "Adam" else {})
    opt_a = getattr(ns, name)(learning_rate=0.01, **kw)
    params_a, _ = run_tkeras(opt_a, W0, GRADS[:2])
    weights = opt_a.get_weights()
    assert int(weights[0]) == 2
    opt_b = getattr(ns, name)(learning_rate=0.01, **kw)
    params_b = [torch.nn.Parameter(p.detach().clone()) for p in params_a]
    opt_b._attach(params_b)
    opt_b.set_weights(weights)
    assert opt_b.iterations == 2
    for opt, params in ((opt_a, params_a), (opt_b, params_b)):
        for p, g in zip(params, GRADS[2]):
            p.grad = torch.tensor(g)
        opt._step()
    for pa, pb in zip(params_a, params_b):
        np.testing.assert_allclose(pa.detach().numpy(), pb.detach().numpy(), atol=1e-12)


@pytest.mark.parametrize("ns", [optimizers, legacy], ids=["current", "legacy"])
def test_sgd_momentum_weights_are_keras_velocities(ns):
    w = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = ns.SGD(learning_rate=0.1, momentum=0.9)
    opt._attach([w])
    w.grad = torch.ones(1, dtype=torch.float64)
    opt._step()
    iterations, velocity = opt.get_weights()
    assert int(iterations) == 1
    np.testing.assert_allclose(velocity, [-0.1])   # v = momentum * 0 - lr * g


def test_weight_counts_and_names_follow_tf_keras():
    params = [torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(1))]
    names = ["dense/kernel", "dense/bias"]
    sgd = SGD()                   # tf-keras's current SGD keeps `m` even without momentum
    sgd._attach(params)
    assert sgd._weight_names(names) == ["iteration:0", "SGD/m/dense/kernel:0",
                                        "SGD/m/dense/bias:0"]
    assert len(sgd.get_weights()) == 3
    old = legacy.SGD()
    old._attach(params)
    assert old._weight_names(names) == ["SGD/iter:0"] and len(old.get_weights()) == 1
    adam = Adam()
    adam._attach(params)
    assert adam._weight_names(names) == [
        "iteration:0", "Adam/m/dense/kernel:0", "Adam/v/dense/kernel:0",
        "Adam/m/dense/bias:0", "Adam/v/dense/bias:0"]
    old = legacy.Adam()
    old._attach(params)
    assert old._weight_names(names) == [
        "Adam/iter:0", "Adam/dense/kernel/m:0", "Adam/dense/bias/m:0",
        "Adam/dense/kernel/v:0", "Adam/dense/bias/v:0"]


def test_set_weights_rejects_a_wrong_number_of_arrays():
    opt = Adam()
    opt._attach([torch.nn.Parameter(torch.zeros(2))])
    with pytest.raises(ValueError, match="was expecting 3 weights"):
        opt.set_weights([np.array(0)])


def test_zero_grad_sets_gradients_to_none_and_iterations_is_a_python_int():
    w = torch.nn.Parameter(torch.zeros(2))
    opt = RMSprop()
    opt._attach([w])
    w.grad = torch.ones(2)
    opt._step()
    opt._zero_grad()
    assert w.grad is None
    assert type(opt.iterations) is int and opt.iterations == 1


def test_parameters_without_gradient_are_left_alone():
    a = torch.nn.Parameter(torch.ones(2, dtype=torch.float64))
    b = torch.nn.Parameter(torch.ones(2, dtype=torch.float64))
    for opt in (RMSprop(), Adagrad(), Adamax(), AdamW(), legacy.RMSprop()):
        opt._attach([a, b])
        a.grad = torch.ones(2, dtype=torch.float64)
        opt._step()
        opt._zero_grad()
        assert b.detach().tolist() == [1.0, 1.0] and a.detach()[0].item() < 1.0
