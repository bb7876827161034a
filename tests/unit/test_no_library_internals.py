"""Our code uses only what libraries publish: no private module or name of another package, no
dunder attribute beyond Python's own, no code built from text. A point release may change
anything private without notice; this scan finds it before the release does."""

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("shared", "services", "bench")
OUR_PACKAGES = frozenset({"shared", "services", "bench", "tests"})

# Dunders that are Python's own protocol, public on every object; `__dict__` is not among them,
# since on a library's object it is that library's private storage.
STANDARD_DUNDERS = frozenset({
    "__init__", "__new__", "__name__", "__qualname__", "__module__", "__doc__", "__class__",
    "__file__", "__all__", "__version__", "__enter__", "__exit__", "__aenter__", "__aexit__",
    "__call__", "__iter__", "__next__", "__len__", "__getitem__", "__eq__", "__hash__",
    "__setattr__", "__wrapped__", "__cause__", "__context__", "__traceback__",
})  # fmt: skip
# Names that their library documents as public despite the underscore: namedtuple's methods,
# `os._exit`, SQLAlchemy's Row (underscored so as not to clash with column names) and a mapped
# class's `__table__`.
DOCUMENTED_PUBLIC = frozenset({
    "_asdict", "_replace", "_fields", "_make", "_exit", "_mapping", "_t", "_tuple", "__table__",
})  # fmt: skip
CODE_FROM_TEXT = frozenset({"exec", "eval", "compile"})
# Calls that reach an attribute by its name: `object.__setattr__(model, "__x__", ...)` too.
ATTRIBUTE_BY_NAME = frozenset({"getattr", "setattr", "delattr", "hasattr", "__setattr__",
                               "__getattribute__", "__delattr__"})  # fmt: skip


def python_files(folders: Iterable[str] = SCANNED) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def _is_private(name: str) -> bool:
    return name.startswith("_") and name not in DOCUMENTED_PUBLIC


def _is_ours(module: str) -> bool:
    return module.split(".")[0] in OUR_PACKAGES


def defined_names(tree: ast.AST) -> set[str]:
    """Every name a module defines: functions, classes, parameters, assignment targets (a
    name or an attribute, `self._x = ...` too) and the names it imports as."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.alias) and node.asname:
            names.add(node.asname)
    return names


def _imports(node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            if not _is_ours(alias.name) and any(map(_is_private, alias.name.split("."))):
                yield f"imports {alias.name}"
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        if node.module == "__future__" or _is_ours(node.module):
            return
        if any(map(_is_private, node.module.split("."))):
            yield f"imports from {node.module}"
        for alias in node.names:
            if _is_private(alias.name):
                yield f"imports {alias.name} from {node.module}"


def _touches(name: str, ours: set[str]) -> bool:
    """Whether reading or writing attribute `name` reaches past a library's public surface."""
    return _is_private(name) and name not in ours and name not in STANDARD_DUNDERS


def _attributes(node: ast.AST, ours: set[str]) -> Iterator[str]:
    if isinstance(node, ast.Attribute) and _touches(node.attr, ours):
        yield f"touches .{node.attr}"
    elif isinstance(node, ast.Call) and len(node.args) >= 2:
        func = node.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        name = node.args[1]
        if (
            called in ATTRIBUTE_BY_NAME
            and isinstance(name, ast.Constant)
            and isinstance(name.value, str)
            and _touches(name.value, ours)
        ):
            yield f"touches .{name.value} by name"


def _code_from_text(node: ast.AST) -> Iterator[str]:
    if not isinstance(node, ast.Call):
        return
    func = node.func
    if isinstance(func, ast.Name) and func.id in CODE_FROM_TEXT:
        yield f"calls {func.id}"
    elif (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "builtins"
        and func.attr in CODE_FROM_TEXT
    ):
        yield f"calls builtins.{func.attr}"


def offences(tree: ast.AST, ours: set[str]) -> list[tuple[int, str]]:
    """(line, what) for each reach into a library's internals in a module."""
    found = []
    for node in ast.walk(tree):
        for what in (*_imports(node), *_attributes(node, ours), *_code_from_text(node)):
            found.append((getattr(node, "lineno", 0), what))
    return sorted(found)


def scan(files: list[Path], root: Path = ROOT) -> dict[str, list[str]]:
    """'file:line: what' for every offence, by file (relative to `root`)."""
    trees = {path: ast.parse(path.read_text(), filename=str(path)) for path in files}
    ours = set().union(*(defined_names(tree) for tree in trees.values()))
    found: dict[str, list[str]] = {}
    for path, tree in trees.items():
        name = path.relative_to(root).as_posix()
        for line, what in offences(tree, ours):
            found.setdefault(name, []).append(f"{name}:{line}: {what}")
    return found


def test_no_code_of_ours_reaches_into_a_library_or_builds_code_from_text() -> None:
    found = scan(python_files())
    everywhere = [line for lines in found.values() for line in lines]
    assert everywhere == [], "\n".join(everywhere)


# The scanner itself, on small modules.
def findings(source: str) -> list[str]:
    tree = ast.parse(source)
    return [what for _, what in offences(tree, defined_names(tree))]


def test_the_scan_finds_an_import_of_a_private_module_of_another_package() -> None:
    assert findings("import redis._parsers") == ["imports redis._parsers"]
    assert findings("from redis._parsers import Encoder") == ["imports from redis._parsers"]
    assert findings("from redis import _parsers") == ["imports _parsers from redis"]
    assert findings("from sqlalchemy.sql.compiler import SQLCompiler") == []
    assert findings("from __future__ import annotations") == []
    assert findings("from shared._private import thing\nfrom . import _ours") == []


def test_the_scan_finds_a_private_or_dunder_attribute_our_code_does_not_define() -> None:
    assert findings("x = model._type_affinity") == ["touches ._type_affinity"]
    assert findings("x = model.__dict__") == ["touches .__dict__"]
    assert findings("d = Model.__pydantic_decorators__") == ["touches .__pydantic_decorators__"]
    assert findings("object.__setattr__(m, '__pydantic_fields_set__', s)") == [
        "touches .__pydantic_fields_set__ by name"
    ]
    assert findings("getattr(conn, '_connection')") == ["touches ._connection by name"]


def test_the_scan_lets_our_own_names_and_pythons_dunders_pass() -> None:
    source = """
class Cache:
    def __init__(self, _size):
        self._entries = {}

    def clear(self):
        self._entries.clear()
        return type(self).__name__, self.__class__, Cache.__qualname__, _size
"""
    assert findings(source) == []
    assert findings("row._asdict()\npoint._replace(x=1)") == []


def test_the_scan_finds_code_built_from_text() -> None:
    assert findings("exec(text, scope)") == ["calls exec"]
    assert findings("value = eval('1 + 1')") == ["calls eval"]
    assert findings("code = compile(text, 'f', 'exec')") == ["calls compile"]
    assert findings("import builtins\nbuiltins.exec(text)") == ["calls builtins.exec"]
    assert findings("import re\npattern = re.compile('a+')") == []


def test_a_finding_names_its_file_and_line(tmp_path: Path) -> None:
    module = tmp_path / "shared" / "leaky.py"
    module.parent.mkdir()
    module.write_text("import os\n\nx = os._private\n")
    assert scan([module], root=tmp_path) == {
        "shared/leaky.py": ["shared/leaky.py:3: touches ._private"]
    }
