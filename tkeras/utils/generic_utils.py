"""Custom-object registry and the Keras `{class_name, config}` (de)serialization."""
import difflib
import threading

_GLOBAL_CUSTOM_OBJECTS = {}
_SCOPE = threading.local()


def get_custom_objects():
    """The global dict of user objects (layers, losses, activations...) looked up by name.

    Example:
        get_custom_objects()["swish"] = my_swish
    """
    return _GLOBAL_CUSTOM_OBJECTS


class CustomObjectScope:
    """`with CustomObjectScope({'MyLayer': MyLayer}): model = load_model(...)`."""

    def __init__(self, *args):
        self.custom_objects = {}
        for a in args:
            self.custom_objects.update(a or {})
        self._backup = None

    def __enter__(self):
        stack = getattr(_SCOPE, "stack", None)
        if stack is None:
            stack = _SCOPE.stack = []
        stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _SCOPE.stack.pop()


custom_object_scope = CustomObjectScope


def _scoped_objects():
    merged = dict(_GLOBAL_CUSTOM_OBJECTS)
    for d in getattr(_SCOPE, "stack", None) or ():
        merged.update(d)
    return merged


def serialize_keras_object(instance):
    if instance is None:
        return None
    if hasattr(instance, "get_config"):
        return {"class_name": instance.__class__.__name__, "config": instance.get_config()}
    if hasattr(instance, "__name__"):
        return instance.__name__
    raise ValueError(f"Cannot serialize {instance!r}: it has no `get_config()` and no `__name__`.")


def deserialize_keras_object(identifier, module_objects, custom_objects=None,
                             printable_module_name="object"):
    """Turns a name or a `{class_name, config}` dict into an object.

    Classes are instantiated from their config; functions are returned as is. Unknown
    names raise a ValueError that lists the valid ones.
    """
    objects = dict(module_objects)
    objects.update(_scoped_objects())
    if custom_objects:
        objects.update(custom_objects)
    if isinstance(identifier, dict):
        if "class_name" not in identifier or "config" not in identifier:
            raise ValueError(
                f"Improper config format for {printable_module_name}: expected a dict with "
                f"'class_name' and 'config' keys. Received: {identifier!r}"
            )
        class_name = identifier["class_name"]
        cls = objects.get(class_name)
        if cls is None:
            _raise_unknown(class_name, objects, printable_module_name)
        config = identifier["config"]
        if hasattr(cls, "from_config"):
            try:
                return cls.from_config(config, custom_objects=custom_objects)
            except TypeError:
                return cls.from_config(config)
        return cls(**config)
    if isinstance(identifier, str):
        obj = objects.get(identifier)
        if obj is None:
            _raise_unknown(identifier, objects, printable_module_name)
        return obj
    raise ValueError(
        f"Could not interpret {printable_module_name} identifier: {identifier!r}"
    )


def _raise_unknown(name, objects, kind):
    valid = sorted(k for k in objects if not k.startswith("_"))
    close = difflib.get_close_matches(name, valid, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(
        f"Unknown {kind}: {name!r}.{hint} Valid values are: {', '.join(valid)}. "
        "If it is a custom object, pass it with `custom_objects={...}` or register it "
        "in `tkeras.utils.get_custom_objects()`."
    )


def to_list(x):
    if x is None:
        return []
    if isinstance(x, list):
        return x
    if isinstance(x, tuple):
        return list(x)
    return [x]


def unpack_singleton(x):
    if isinstance(x, (list, tuple)) and len(x) == 1:
        return x[0]
    return x
