"""The optional dependencies of `tkeras.preprocessing.image` (the `image` extra): Pillow
reads, writes and resizes images, SciPy warps them. Both are imported on first use, so
`import tkeras.preprocessing.image` works without them."""


def _missing(package, what, pip_name):
    return ImportError(
        f"{what} requires {package}: pip install tkeras[image] "
        f"(or pip install {pip_name}).")


def pil_image(what):
    """`PIL.Image`, or an ImportError naming the `image` extra."""
    try:
        from PIL import Image
    except ImportError:
        raise _missing("Pillow", what, "Pillow") from None
    return Image


def pil_image_enhance(what):
    """`PIL.ImageEnhance`, or an ImportError naming the `image` extra."""
    try:
        from PIL import ImageEnhance
    except ImportError:
        raise _missing("Pillow", what, "Pillow") from None
    return ImageEnhance


def scipy_ndimage(what):
    """`scipy.ndimage`, or an ImportError naming the `image` extra."""
    try:
        from scipy import ndimage
    except ImportError:
        raise _missing("SciPy", what, "scipy") from None
    return ndimage


def scipy_linalg(what):
    """`scipy.linalg`, or an ImportError naming the `image` extra."""
    try:
        from scipy import linalg
    except ImportError:
        raise _missing("SciPy", what, "scipy") from None
    return linalg
