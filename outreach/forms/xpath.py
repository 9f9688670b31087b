"""XLSForm expressions evaluated the way ODK Collect evaluates them: XPath 1.0 over an XML instance of
the answers, with the ODK functions forms use most. The parser is ``elementpath``'s XPath 1.0 parser
with ODK's functions registered on a subclass; nothing is ``eval``-ed.

XPath 1.0 semantics that matter on a form:
- an unanswered question is an empty element: as a number it is NaN, so ``/data/age > 5`` is false
  (and so is ``/data/age <= 5``) until age is answered;
- a node compared with a number compares as a number (``/data/age = 7`` is true for "7");
- ``selected(/data/crops, 'rice')`` looks at the space-separated choices of a select_multiple.

    ev = Evaluator(instance_root)
    ev.boolean("/data/age > 5", context_node)     # relevant / constraint / required
    ev.value("/data/age * 2", context_node)        # calculate / default → str (as ODK stores it)
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from xml.etree import ElementTree as ET

from elementpath import XPath1Parser, XPathContext
from elementpath.exceptions import ElementPathError
from elementpath.xpath_nodes import XPathNode

__all__ = ["FUNCTIONS", "Evaluator", "ExpressionError", "ODKParser", "compile_expression", "functions_used"]


class ExpressionError(Exception):
    """An expression that cannot be parsed or evaluated (names the expression)."""


class ODKParser(XPath1Parser):
    """XPath 1.0 with ODK (JavaRosa) functions and XPath 1.0 comparison rules."""

    symbol_table = {**XPath1Parser.symbol_table}
    DEFAULT_NAMESPACES = {**XPath1Parser.DEFAULT_NAMESPACES, "jr": "http://openrosa.org/javarosa"}
    choice_names: dict[str, dict[str, str]] = {}   # set per form: {nodeset: {choice name: label}}


method = ODKParser.method
function = ODKParser.function


def _ctx(token: Any, context: Any) -> Any:
    return token.context if token.context is not None else context


def _arg_str(token: Any, context: Any, index: int) -> str:
    return token.string_value(token.get_argument(_ctx(token, context), index=index))


def _arg_num(token: Any, context: Any, index: int) -> float:
    return token.number_value(token.get_argument(_ctx(token, context), index=index))


# ---------------------------------------------------------------------------- XPath 1.0 comparisons
def _operand(token: Any, context: Any) -> tuple[str, Any]:
    value = token.evaluate(context)
    if isinstance(value, XPathNode):
        return "nodes", [token.string_value(value)]
    if isinstance(value, list):
        if value and not isinstance(value[0], XPathNode):
            return ("atom", value[0]) if len(value) == 1 else ("nodes", [str(v) for v in value])
        return "nodes", [token.string_value(n) for n in value]
    return "atom", value


_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def _num(value: Any) -> float:
    """XPath number(), with JavaRosa's dates-as-days (so ``${visit} < today()`` compares dates)."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    text = str(value).strip()
    m = _DATE.match(text)
    if m:
        try:
            return float((date(int(m[1]), int(m[2]), int(m[3])) - date(1970, 1, 1)).days)
        except ValueError:
            return math.nan
    try:
        return float(text) if text and not text.lower().lstrip("+-").startswith(("inf", "nan")) else math.nan
    except ValueError:
        return math.nan


_OPS = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
        ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def _compare_atoms(op: str, a: Any, b: Any) -> bool:
    fn = _OPS[op]
    if op in ("=", "!="):
        if isinstance(a, bool) or isinstance(b, bool):
            return fn(bool(a) if not isinstance(a, str) else bool(a), bool(b) if not isinstance(b, str) else bool(b))
        if isinstance(a, (int, float, Decimal)) or isinstance(b, (int, float, Decimal)):
            return fn(_num(a), _num(b))
        return fn(str(a), str(b))
    return fn(_num(a), _num(b))


def evaluate__xpath1_comparison(self: Any, context: Any = None) -> bool:
    (lk, lv), (rk, rv) = _operand(self[0], context), _operand(self[1], context)
    op = self.symbol
    if lk == "nodes" and rk == "nodes":
        return any(_compare_atoms(op, a, b) for a in lv for b in rv)
    if lk == "nodes" or rk == "nodes":
        nodes, other, node_left = (lv, rv, True) if lk == "nodes" else (rv, lv, False)
        if isinstance(other, bool):
            a, b = bool(nodes), other
            return _OPS[op](a, b) if node_left else _OPS[op](b, a)
        for s in nodes:
            x: Any = _num(s) if isinstance(other, (int, float, Decimal)) or op not in ("=", "!=") else s
            y: Any = _num(other) if op not in ("=", "!=") or isinstance(other, (int, float, Decimal)) else str(other)
            if _OPS[op](x, y) if node_left else _OPS[op](y, x):
                return True
        return False
    return _compare_atoms(op, lv, rv)


# ---------------------------------------------------------------------------- ODK functions
@method(function("selected", nargs=2))
def evaluate__selected(self: Any, context: Any = None) -> bool:
    return _arg_str(self, context, 1).strip() in _arg_str(self, context, 0).split()


@method(function("count-selected", nargs=1))
def evaluate__count_selected(self: Any, context: Any = None) -> int:
    return len(_arg_str(self, context, 0).split())


@method(function("selected-at", nargs=2))
def evaluate__selected_at(self: Any, context: Any = None) -> str:
    parts = _arg_str(self, context, 0).split()
    n = _arg_num(self, context, 1)
    return parts[int(n)] if not math.isnan(n) and 0 <= int(n) < len(parts) else ""


@method(function("if", nargs=3))
def evaluate__if(self: Any, context: Any = None) -> Any:
    ctx = _ctx(self, context)
    chosen = self[1] if self.boolean_value(self[0].evaluate(ctx)) else self[2]
    value = chosen.evaluate(ctx)
    if isinstance(value, list):
        return self.string_value(value[0]) if value else ""
    return value


@method(function("coalesce", nargs=2))
def evaluate__coalesce(self: Any, context: Any = None) -> str:
    first = _arg_str(self, context, 0)
    return first if first != "" else _arg_str(self, context, 1)


@method(function("int", nargs=1))
def evaluate__int(self: Any, context: Any = None) -> float:
    n = _arg_num(self, context, 0)
    return n if math.isnan(n) or math.isinf(n) else float(math.trunc(n))


def evaluate__round(self: Any, context: Any = None) -> float:
    n = _arg_num(self, context, 0)
    digits = int(_arg_num(self, context, 1)) if len(self) > 1 else 0
    if math.isnan(n) or math.isinf(n):
        return n
    factor = 10 ** digits
    return math.floor(n * factor + 0.5) / factor  # half up, as JavaRosa


@method(function("regex", nargs=2))
def evaluate__regex(self: Any, context: Any = None) -> bool:
    try:
        return re.search(_arg_str(self, context, 1), _arg_str(self, context, 0)) is not None
    except re.error as exc:
        raise self.error("FORX0002", str(exc)) from None


@method(function("today", nargs=0))
def evaluate__today(self: Any, context: Any = None) -> str:
    return date.today().isoformat()


def evaluate__position(self: Any, context: Any = None) -> int:
    ctx = _ctx(self, context)
    if len(self) == 0:
        return ctx.position
    nodes = [n for n in self[0].select(ctx) if isinstance(n, XPathNode)]
    if not nodes or nodes[0].parent is None:
        return 0
    node = nodes[0]
    same = [c for c in node.parent if getattr(c, "name", None) == node.name]
    return next((i for i, c in enumerate(same, start=1) if c is node), 0)


@method(function("current", nargs=0))
def evaluate__current(self: Any, context: Any = None) -> list:
    ctx = _ctx(self, context)
    return [ctx.item] if ctx is not None and ctx.item is not None else []


@method("current")
def select__current(self: Any, context: Any = None) -> Any:
    ctx = _ctx(self, context)
    if ctx is not None and ctx.item is not None:
        yield ctx.item


@method(function("choice-name", prefix="jr", nargs=2))
def evaluate__choice_name(self: Any, context: Any = None) -> str:
    value = _arg_str(self, context, 0)
    names = self.parser.choice_names.get(_arg_str(self, context, 1), {})
    return names.get(value, value)


def _numbers(token: Any, context: Any) -> list[float]:
    ctx = _ctx(token, context)
    values: list[float] = []
    for k in range(len(token)):
        result = token[k].evaluate(ctx)
        items = result if isinstance(result, list) else [result]
        values += [_num(token.string_value(v) if isinstance(v, XPathNode) else v) for v in items]
    return values


@method(function("min", nargs=(1, None)))
def evaluate__min(self: Any, context: Any = None) -> float:
    values = _numbers(self, context)
    return math.nan if not values or any(math.isnan(v) for v in values) else min(values)


@method(function("max", nargs=(1, None)))
def evaluate__max(self: Any, context: Any = None) -> float:
    values = _numbers(self, context)
    return math.nan if not values or any(math.isnan(v) for v in values) else max(values)


@method(function("pow", nargs=2))
def evaluate__pow(self: Any, context: Any = None) -> float:
    try:
        return math.pow(_arg_num(self, context, 0), _arg_num(self, context, 1))
    except (OverflowError, ValueError):
        return math.nan


@method(function("abs", nargs=1))
def evaluate__abs(self: Any, context: Any = None) -> float:
    return abs(_arg_num(self, context, 0))


@method(function("count-non-empty", nargs=1))
def evaluate__count_non_empty(self: Any, context: Any = None) -> int:
    nodes = self[0].evaluate(_ctx(self, context))
    nodes = nodes if isinstance(nodes, list) else [nodes]
    return sum(1 for n in nodes if self.string_value(n) != "")


@method(function("join", nargs=(1, None)))
def evaluate__join(self: Any, context: Any = None) -> str:
    ctx = _ctx(self, context)
    sep = _arg_str(self, context, 0)
    parts: list[str] = []
    for k in range(1, len(self)):
        result = self[k].evaluate(ctx)
        parts += [self.string_value(v) for v in (result if isinstance(result, list) else [result])]
    return sep.join(parts)


@method(function("boolean-from-string", nargs=1))
def evaluate__boolean_from_string(self: Any, context: Any = None) -> bool:
    return _arg_str(self, context, 0).strip() in ("true", "1")


@method(function("substr", nargs=(2, 3)))
def evaluate__substr(self: Any, context: Any = None) -> str:
    text = _arg_str(self, context, 0)
    start = int(_arg_num(self, context, 1))
    end = int(_arg_num(self, context, 2)) if len(self) > 2 else len(text)
    return text[start:end]


@method(function("date", nargs=1))
def evaluate__date(self: Any, context: Any = None) -> str:
    text = self.string_value(self.get_argument(_ctx(self, context)))
    if _DATE.match(text):
        return text[:10]
    days = _num(text)
    if math.isnan(days):
        return ""
    return (date(1970, 1, 1) + timedelta(days=int(math.floor(days)))).isoformat()


@method(function("indexed-repeat", nargs=(3, None)))
def evaluate__indexed_repeat(self: Any, context: Any = None) -> str:
    """indexed-repeat(path, repeat, n): ``path``'s value in the n-th instance of ``repeat``."""
    ctx = _ctx(self, context)
    path, repeat = self[0].source.strip(), self[1].source.strip()
    n = _arg_num(self, context, 2)
    instances = [x for x in self[1].select(ctx) if isinstance(x, XPathNode)]
    if math.isnan(n) or not 1 <= int(n) <= len(instances) or not path.startswith(repeat + "/"):
        return ""
    token = compile_expression(path[len(repeat) + 1:])
    found = token.evaluate(XPathContext(ctx.root, item=instances[int(n) - 1]))
    found = found if isinstance(found, list) else [found]
    return self.string_value(found[0]) if found else ""


def _override(symbol: str, evaluate: Any, **attrs: Any) -> None:
    """Replace a token of XPath1Parser in ODKParser only: a subclass of the original token class put in
    ODKParser's own symbol table, so elementpath's parsers are left untouched."""
    base = XPath1Parser.symbol_table[symbol]
    ODKParser.symbol_table[symbol] = type(f"_ODK{base.__name__}", (base,), {"evaluate": evaluate, **attrs})


for _symbol in ("=", "!=", "<", ">", "<=", ">="):
    _override(_symbol, evaluate__xpath1_comparison)
_override("round", evaluate__round, nargs=(1, 2), sequence_types=())
_override("position", evaluate__position, nargs=(0, 1), sequence_types=())
ODKParser.build()

# What the importer accepts: XPath 1.0's own functions plus the ODK ones above.
FUNCTIONS = frozenset({
    "last", "position", "count", "id", "local-name", "namespace-uri", "name", "string", "concat",
    "starts-with", "contains", "substring-before", "substring-after", "substring", "string-length",
    "normalize-space", "translate", "boolean", "not", "true", "false", "lang", "number", "sum", "floor",
    "ceiling", "round", "selected", "count-selected", "selected-at", "if", "coalesce", "int", "regex",
    "today", "current", "jr:choice-name", "choice-name", "min", "max", "pow", "abs", "count-non-empty", "join",
    "boolean-from-string", "substr", "date", "indexed-repeat",
})
_OPERATOR_WORDS = {"and", "or", "div", "mod"}
_CALL = re.compile(r"(?<![\w:.\-/$])([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)\s*\(")


def functions_used(expression: str) -> set[str]:
    """The function names an expression calls (string literals ignored)."""
    bare = re.sub(r"'[^']*'|\"[^\"]*\"", "''", expression)
    return {m.group(1) for m in _CALL.finditer(bare)} - {"node", "text"} - _OPERATOR_WORDS


@lru_cache(maxsize=2048)
def compile_expression(expression: str) -> Any:
    """The parsed token tree of an expression; ExpressionError when it is not valid XPath."""
    try:
        return ODKParser().parse(expression)
    except ElementPathError as exc:
        raise ExpressionError(f"{expression}: {exc}") from None


class Evaluator:
    """Evaluates expressions against one XML instance (an ``ElementTree.Element`` root)."""

    def __init__(self, root: ET.Element, choice_names: dict[str, dict[str, str]] | None = None) -> None:
        self.root = root
        ODKParser.choice_names = choice_names or {}

    def _raw(self, expression: str, node: ET.Element | None) -> Any:
        if "current()" in expression:
            # current() is the node the expression belongs to; elementpath's XPath 1.0 grammar does
            # not take a step after a function call, so name that node by its absolute path instead.
            expression = expression.replace("current()", self.path_of(node) if node is not None else "/")
        token = compile_expression(expression)
        context = XPathContext(self.root, item=node if node is not None else self.root)
        try:
            return token.evaluate(context), token
        except (ElementPathError, ArithmeticError, TypeError, ValueError) as exc:
            raise ExpressionError(f"{expression}: {exc}") from None

    def path_of(self, node: ET.Element) -> str:
        parents = {c: p for p in self.root.iter() for c in p}
        steps = []
        while node is not None:
            parent = parents.get(node)
            if parent is None:
                steps.append(node.tag)
            else:
                same = [c for c in parent if c.tag == node.tag]
                steps.append(f"{node.tag}[{same.index(node) + 1}]" if len(same) > 1 else node.tag)
            node = parent
        return "/" + "/".join(reversed(steps))

    def boolean(self, expression: str, node: ET.Element | None = None) -> bool:
        value, token = self._raw(expression, node)
        return bool(token.boolean_value(value))

    def value(self, expression: str, node: ET.Element | None = None) -> str:
        """The result as the text ODK would store in the instance ("" for NaN)."""
        value, token = self._raw(expression, node)
        if isinstance(value, list):
            value = value[0] if value else ""
        if isinstance(value, float):
            if math.isnan(value) or math.isinf(value):
                return ""
            return str(int(value)) if value.is_integer() else repr(value)
        if isinstance(value, bool):
            return "true" if value else "false"
        return token.string_value(value)
