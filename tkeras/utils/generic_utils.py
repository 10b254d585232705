"""Custom-object registry and the Keras `{class_name, config}` (de)serialization."""
import inspect
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


def has_arg(fn, name, accept_all=False):
    """Whether `fn` can be called with `name` as a keyword argument (with
    `accept_all`, also when it takes `**kwargs`), as Keras 2's `has_arg`.

    Example:

    >>> has_arg(lambda x, y=1: x, "y"), has_arg(lambda **kw: 0, "y", accept_all=True)
    (True, True)
    """
    parameter = inspect.signature(fn).parameters.get(name)
    if parameter is None:
        return accept_all and any(p.kind == inspect.Parameter.VAR_KEYWORD
                                  for p in inspect.signature(fn).parameters.values())
    return parameter.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                              inspect.Parameter.KEYWORD_ONLY)


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


def func_dump(func):
    """Serializes a Python function as Keras 2 does: (base64 marshalled bytecode,
    defaults, closure cell values)."""
    import codecs
    import marshal

    code = codecs.encode(marshal.dumps(func.__code__), "base64").decode("ascii")
    closure = tuple(c.cell_contents for c in func.__closure__) if func.__closure__ else None
    return code, func.__defaults__, closure


def func_load(code, defaults=None, closure=None, globs=None):
    """Rebuilds a function from `func_dump` output. This EXECUTES code from the input."""
    import codecs
    import marshal
    import types

    if isinstance(code, (tuple, list)):
        code, defaults, closure = (list(code) + [None, None])[:3]
    if isinstance(defaults, list):
        defaults = tuple(defaults)

    def make_cell(value):
        return (lambda: value).__closure__[0]

    raw = codecs.decode(code.encode("ascii"), "base64")
    func_code = marshal.loads(raw)
    cells = tuple(make_cell(v) for v in closure) if closure else None
    return types.FunctionType(func_code, globs or globals(), name=func_code.co_name,
                              argdefs=defaults, closure=cells)


def deserialize_function(value, function_type, custom_objects=None, safe_mode=True,
                         layer_name=None):
    """Resolves a Lambda's stored function: by name from custom objects, or (only with
    `safe_mode=False`) by loading the marshalled bytecode Keras 2 stored."""
    if function_type == "function":
        objects = _scoped_objects()
        objects.update(custom_objects or {})
        if value in objects:
            return objects[value]
        import tkeras.backend as K

        if hasattr(K, value):
            return getattr(K, value)
        raise ValueError(
            f"Unknown function {value!r} in Lambda layer '{layer_name}'. Pass it with "
            f"`custom_objects={{'{value}': {value}}}` when loading the model."
        )
    if function_type == "lambda":
        if safe_mode:
            raise ValueError(
                f"The Lambda layer '{layer_name}' stores its function as Python bytecode. "
                "Loading it would execute code from the file, which can run arbitrary code "
                "on your machine. tkeras refuses by default. If you trust the file, load it "
                "with `safe_mode=False` (e.g. `load_model(path, safe_mode=False)`), or pass "
                "the function by name with `custom_objects`."
            )
        import tkeras.backend as K

        globs = dict(globals())
        globs.update({"K": K, "keras": __import__("tkeras")})
        return func_load(value, globs=globs)
    raise ValueError(f"Unknown function_type {function_type!r} in Lambda layer '{layer_name}'.")
from tkeras.utils.progbar import Progbar  # noqa: E402,F401  (Keras 2 import path)


def serialize_builtin(obj, registry, module, kind):
    """tf.keras 2.x serialization of an initializer/regularizer/constraint: None stays
    None, a named function gives its name, an object gives
    `{'module', 'class_name', 'config', 'registered_name'}` (`module` is
    `keras.<kind>s`-style for tkeras's own classes found in `registry`)."""
    if obj is None:
        return None
    if not hasattr(obj, "get_config"):
        name = getattr(obj, "__name__", None)
        if name is None:
            raise ValueError(
                f"Cannot serialize the {kind}: expected a {kind.capitalize()} object or a named "
                f"function. Received: {kind}={obj!r}"
            )
        return name
    cls = obj.__class__
    builtin = registry.get(cls.__name__) is cls
    return {
        "module": module if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": obj.get_config(),
        "registered_name": None if builtin else cls.__name__,
    }
