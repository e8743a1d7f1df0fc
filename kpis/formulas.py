"""Formulas of derived indicators, e.g. ``MOBILE_SUBSCRIBERS / POPULATION * 100``.

Formulas are typed by administrators, so they are tokenized and parsed by hand
into an immutable tree and evaluated with ``Decimal``; user text never reaches
``eval`` or the ``ast`` module.
"""

from __future__ import annotations

import operator
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

CODE_RE = re.compile(r"[A-Z][A-Z0-9_]*")
# Words are matched more loosely than codes so that `abc` or `Mobile` gets a
# message about the whole code rather than about one stray letter.
_TOKEN_RE = re.compile(
    r"(?P<number>[0-9]+(?:\.[0-9]+)?)|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+*/()])", re.ASCII
)
# Binary operators by increasing precedence; all are left-associative.
_LEVELS = (("+", "-"), ("*", "/"))
_PRECEDENCE = {op: level for level, ops in enumerate(_LEVELS) for op in ops}
_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
# Parentheses and signs recurse; bounding them turns hostile input into a
# FormulaError instead of a RecursionError.
MAX_NESTING = 100


class FormulaError(ValueError):
    """A formula that cannot be parsed or accepted; ``position`` is 0-based."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message, position)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return self.message


def _error(message: str, position: int | None = None, **params: object) -> FormulaError:
    # Users read columns, so messages count from 1 while `position` stays 0-based.
    if position is not None:
        params["position"] = position + 1
    return FormulaError(message % params, position)


@dataclass(frozen=True)
class Number:
    """A non-negative decimal literal."""
    value: Decimal


@dataclass(frozen=True)
class Ref:
    """A reference to another indicator by its code."""
    code: str


@dataclass(frozen=True)
class Unary:
    """``+operand`` or ``-operand``."""
    op: str
    operand: Expr


@dataclass(frozen=True)
class Binary:
    """``left op right`` with ``op`` one of ``+ - * /``."""
    op: str
    left: Expr
    right: Expr


Expr = Number | Ref | Unary | Binary


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "code", "op" (operators and parentheses) or "end"
    text: str
    position: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        match = _TOKEN_RE.match(text, i)
        if match is None:
            raise _error(_("Ký tự không hợp lệ %(char)r ở vị trí %(position)d."), i, char=text[i])
        kind, word = match.lastgroup, match.group()
        if kind == "word" and not CODE_RE.fullmatch(word):
            raise _error(_("Mã chỉ tiêu %(code)r ở vị trí %(position)d không hợp lệ: chỉ dùng chữ in hoa "
                           "không dấu, chữ số và dấu gạch dưới, bắt đầu bằng chữ cái."), i, code=word)
        tokens.append(_Token("code" if kind == "word" else str(kind), word, i))
        i = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Parser:
    """Recursive descent: binary(level) := binary(level + 1) (op binary(level + 1))*,
    unary := ('+'|'-') unary | number | code | '(' binary(0) ')'."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def accept(self, *texts: str) -> _Token | None:
        token = self.peek()
        if token.kind != "op" or token.text not in texts:
            return None
        self.index += 1
        return token

    def binary(self, level: int = 0) -> Expr:
        if level == len(_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while op := self.accept(*_LEVELS[level]):
            left = Binary(op.text, left, self.binary(level + 1))
        return left

    def unary(self) -> Expr:
        if sign := self.accept("+", "-"):
            return Unary(sign.text, self.nested(sign, self.unary))
        token = self.peek()
        if token.kind in ("number", "code"):
            self.index += 1
            return Number(Decimal(token.text)) if token.kind == "number" else Ref(token.text)
        if not self.accept("("):
            raise self.missing_operand(token)
        inner = self.nested(token, self.binary)
        if not self.accept(")"):
            raise self.unexpected(self.peek(), opening=token)
        return inner

    def nested(self, token: _Token, parse: Callable[[], Expr]) -> Expr:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise _error(_("Công thức lồng nhau quá sâu ở vị trí %(position)d."), token.position)
        result = parse()
        self.depth -= 1
        return result

    def missing_operand(self, token: _Token) -> FormulaError:
        if self.index == 0:
            return _error(_("Công thức không được bắt đầu bằng %(token)r (vị trí %(position)d)."),
                          token.position, token=token.text)
        previous = self.tokens[self.index - 1]
        return _error(_("Thiếu toán hạng sau %(operator)r ở vị trí %(position)d."),
                      previous.position, operator=previous.text)

    @staticmethod
    def unexpected(token: _Token, opening: _Token | None = None) -> FormulaError:
        """Error for what follows a complete (sub)expression: only a number,
        a code, a parenthesis or the end can be left there."""
        if token.kind == "end" and opening is not None:
            return _error(_("Thiếu dấu ngoặc đóng cho ngoặc mở ở vị trí %(position)d."), opening.position)
        if token.text == ")":
            return _error(_("Dấu ngoặc đóng ở vị trí %(position)d không có ngoặc mở tương ứng."),
                          token.position)
        return _error(_("Thiếu toán tử trước %(token)r ở vị trí %(position)d."), token.position,
                      token=token.text)


def parse_formula(text: str) -> Expr:
    """Parse ``text`` into an expression tree or raise FormulaError."""
    tokens = _tokenize(text)
    if tokens[0].kind == "end":
        raise _error(_("Công thức trống."))
    parser = _Parser(tokens)
    expr = parser.binary()
    if parser.peek().kind != "end":
        raise parser.unexpected(parser.peek())
    return expr


def referenced_codes(expr: Expr) -> frozenset[str]:
    """Every indicator code the expression refers to."""
    match expr:
        case Number():
            return frozenset()
        case Ref(code):
            return frozenset({code})
        case Unary(_, operand):
            return referenced_codes(operand)
        case Binary(_, left, right):
            return referenced_codes(left) | referenced_codes(right)
    raise TypeError(expr)


def evaluate(expr: Expr, values: Mapping[str, Decimal | None]) -> Decimal | None:
    """The value of ``expr``, or None when a component has no value or a
    divisor is zero: a gap in the data must never be shown as a number."""
    match expr:
        case Number(value):
            return value
        case Ref(code):
            return values.get(code)
        case Unary(op, operand):
            inner = evaluate(operand, values)
            return None if inner is None else (-inner if op == "-" else +inner)
        case Binary(op, left, right):
            a, b = evaluate(left, values), evaluate(right, values)
            if a is None or b is None or (op == "/" and b == 0):
                return None
            return _ARITHMETIC[op](a, b)
    raise TypeError(expr)


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A cycle such as ``["A", "B", "A"]`` in ``graph``, or None if it is acyclic."""
    done: set[str] = set()
    for root in sorted(graph):
        if root in done:
            continue
        # Iterative DFS: `path` is the stack, so reaching a node on it closes a cycle.
        path, on_path, children = [root], {root}, [iter(sorted(graph.get(root, ())))]
        while path:
            child = next(children[-1], None)
            if child is None:
                on_path.discard(path[-1])
                done.add(path.pop())
                children.pop()
            elif child in on_path:
                return path[path.index(child):] + [child]
            elif child not in done:
                path.append(child)
                on_path.add(child)
                children.append(iter(sorted(graph.get(child, ()))))
    return None


def _cycle_through(graph: Mapping[str, frozenset[str]], start: str) -> list[str] | None:
    # Breadth-first, so the message shows the shortest way back to `start`.
    parents: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph.get(node, ())):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(parents[path[-1]])
                return [*reversed(path), start]
            if child not in parents:
                parents[child] = node
                queue.append(child)
    return None


def check_formula(text: str, *, own_code: str, known_codes: Iterable[str],
                  dependencies: Mapping[str, Iterable[str]]) -> Expr:
    """Parse the formula of indicator ``own_code`` and reject unknown codes,
    a reference to itself and cycles through other derived indicators."""
    expr = parse_formula(text)
    codes = referenced_codes(expr)
    if own_code in codes:
        raise _error(_("Công thức không được tham chiếu đến chính chỉ tiêu %(code)s."), code=own_code)
    unknown = codes - set(known_codes)
    if unknown:
        raise _error(_("Mã chỉ tiêu không tồn tại: %(codes)s."), codes=", ".join(sorted(unknown)))
    # The stored graph may still hold this indicator's old formula; the new one replaces it.
    graph = {code: frozenset(refs) for code, refs in dependencies.items() if code != own_code}
    graph[own_code] = codes
    if cycle := _cycle_through(graph, own_code):
        raise _error(_("Công thức tạo vòng lặp: %(cycle)s."), cycle=" → ".join(cycle))
    return expr


def to_text(expr: Expr) -> str:
    """Canonical text of ``expr`` with only the parentheses it needs."""
    match expr:
        case Number(value):
            return format(value, "f")
        case Ref(code):
            return code
        case Unary(op, operand):
            return op + _operand(operand, len(_LEVELS))
        case Binary(op, left, right):
            level = _PRECEDENCE[op]
            # Left-associative: an equal-precedence operand on the right needs parentheses.
            return f"{_operand(left, level)} {op} {_operand(right, level + 1)}"
    raise TypeError(expr)


def _operand(expr: Expr, min_precedence: int) -> str:
    precedence = _PRECEDENCE[expr.op] if isinstance(expr, Binary) else len(_LEVELS)
    return f"({to_text(expr)})" if precedence < min_precedence else to_text(expr)
