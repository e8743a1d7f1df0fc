from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpis.formulas import (
    MAX_NESTING,
    Binary,
    Expr,
    FormulaError,
    Number,
    Ref,
    Unary,
    check_formula,
    evaluate,
    find_cycle,
    parse_formula,
    referenced_codes,
    to_text,
)

D = Decimal


def calc(text: str, **values: Decimal | None) -> Decimal | None:
    return evaluate(parse_formula(text), values)


def parse_error(text: str) -> FormulaError:
    with pytest.raises(FormulaError) as caught:
        parse_formula(text)
    return caught.value


# --- parsing ---------------------------------------------------------------


def test_parses_the_documented_example():
    assert parse_formula("MOBILE_SUBSCRIBERS / POPULATION * 100") == Binary(
        "*", Binary("/", Ref("MOBILE_SUBSCRIBERS"), Ref("POPULATION")), Number(D("100"))
    )


def test_whitespace_is_allowed_anywhere_between_tokens():
    assert parse_formula(" \t(A+B)\n/ 2 ") == parse_formula("(A + B) / 2")


def test_codes_may_contain_digits_and_underscores():
    assert parse_formula("A_1 + B2") == Binary("+", Ref("A_1"), Ref("B2"))


def test_unary_signs_bind_tighter_than_binary_operators():
    assert parse_formula("-A * B") == Binary("*", Unary("-", Ref("A")), Ref("B"))
    assert parse_formula("A - -B") == Binary("-", Ref("A"), Unary("-", Ref("B")))
    assert parse_formula("+-A") == Unary("+", Unary("-", Ref("A")))


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("mobile", 0, "'mobile'"),
        ("A + Population", 4, "'Population'"),
        ("A ** B", 2, "'*'"),
        ("A * / B", 2, "'*'"),
        ("A + * B", 2, "'+'"),
        ("A % B", 2, "'%'"),
        ("A, B", 1, "','"),
        ("A +", 2, "'+'"),
        ("A + B -", 6, "'-'"),
        ("* A", 0, "'*'"),
        ("(A + B", 0, "ngoặc mở"),
        ("A * (B + (C)", 4, "ngoặc mở"),
        ("A + B)", 5, "ngoặc đóng"),
        ("()", 0, "'('"),
        ("2A", 1, "'A'"),
        ("100 POPULATION", 4, "'POPULATION'"),
        ("A B", 2, "'B'"),
        ("(A)(B)", 3, "'('"),
        ("2e5", 1, "'e5'"),
        ("1.", 1, "'.'"),
        (".5", 0, "'.'"),
        ("1,5", 1, "','"),
        ("A == B", 2, "'='"),
        ("MÃ_SỐ", 1, "'Ã'"),
    ],
)
def test_bad_formula_is_rejected_with_its_position(text, position, fragment):
    error = parse_error(text)
    assert error.position == position
    assert f"vị trí {position + 1}" in error.message  # users see 1-based columns
    assert fragment in error.message
    assert str(error) == error.message


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty_formula_is_rejected_without_position(text):
    error = parse_error(text)
    assert error.position is None
    assert error.message == "Công thức trống."


def test_formula_error_is_a_value_error():
    assert isinstance(parse_error("A +"), ValueError)


def test_deep_nesting_is_a_formula_error_not_a_recursion_error():
    depth = MAX_NESTING + 1
    assert parse_error("(" * depth + "A" + ")" * depth).position == MAX_NESTING
    assert parse_error("-" * depth + "A").position == MAX_NESTING
    assert parse_formula("(" * MAX_NESTING + "A" + ")" * MAX_NESTING) == Ref("A")


# --- evaluation ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8 / 4 / 2", D(1)),
        ("10 - 4 - 3", D(3)),
        ("2 + 3 * 4", D(14)),
        ("(2 + 3) * 4", D(20)),
        ("-(2 - 5)", D(3)),
        ("--2", D(2)),
        ("-2 * -3", D(6)),
        ("+5", D(5)),
        ("0.5 * 3", D("1.5")),
        ("1 / 3", D(1) / D(3)),
        ("0.1 + 0.2", D("0.3")),  # exact in Decimal, unlike float
    ],
)
def test_precedence_and_associativity(text, expected):
    assert calc(text) == expected


def test_evaluates_codes_from_the_values():
    assert calc("MOBILE / POPULATION * 100", MOBILE=D(150), POPULATION=D(100)) == D(150)


def test_missing_component_means_no_value_not_zero():
    assert calc("A + B", A=D(1)) is None
    assert calc("A + B", A=D(1), B=None) is None
    assert calc("A * 0 + B", B=D(1)) is None


@pytest.mark.parametrize("text", ["A / B", "A / (B - B)", "0 / 0", "A / 0 + 1"])
def test_division_by_zero_gives_no_value(text):
    assert calc(text, A=D(5), B=D(0)) is None


def test_referenced_codes():
    assert referenced_codes(parse_formula("(A + B) / A * 2 - -C")) == frozenset({"A", "B", "C"})
    assert referenced_codes(parse_formula("1 + 2")) == frozenset()


# --- printing --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("A - (B - C)", "A - (B - C)"),
        ("(A - B) - C", "A - B - C"),
        ("(A * B) + C", "A * B + C"),
        ("A / (B * C)", "A / (B * C)"),
        ("(A + B) * C", "(A + B) * C"),
        ("-(A + B)", "-(A + B)"),
        ("-(A)", "-A"),
        ("(-A) * B", "-A * B"),
        ("A - (-B)", "A - -B"),
        ("((A))", "A"),
        ("0.50+007", "0.50 + 7"),
    ],
)
def test_to_text_keeps_only_needed_parentheses(text, canonical):
    assert to_text(parse_formula(text)) == canonical


# --- checking against other indicators ---------------------------------------

KNOWN = {"POP", "SUBS", "A", "B", "C", "D"}


def check(text: str, own_code: str = "NEW", dependencies=None) -> Expr:
    return check_formula(text, own_code=own_code, known_codes=KNOWN, dependencies=dependencies or {})


def check_error(text: str, own_code: str = "NEW", dependencies=None) -> FormulaError:
    with pytest.raises(FormulaError) as caught:
        check(text, own_code, dependencies)
    return caught.value


def test_check_returns_the_parsed_formula():
    assert check("SUBS / POP * 100") == parse_formula("SUBS / POP * 100")


def test_check_reports_parse_errors():
    assert check_error("SUBS /").position == 5


def test_check_lists_every_unknown_code_sorted():
    error = check_error("ZED + POP + XRAY + ZED")
    assert error.message == "Mã chỉ tiêu không tồn tại: XRAY, ZED."
    assert error.position is None


def test_check_rejects_self_reference():
    error = check_error("A + 1", own_code="A")
    assert "A" in error.message
    assert "chính chỉ tiêu" in error.message


def test_self_reference_of_a_new_indicator_is_not_reported_as_unknown():
    assert "chính chỉ tiêu" in check_error("NEW * 2", own_code="NEW").message


def test_check_reports_a_two_cycle_with_its_path():
    error = check_error("B + 1", own_code="A", dependencies={"B": ["A", "C"]})
    assert error.message == "Công thức tạo vòng lặp: A → B → A."


def test_check_reports_a_three_cycle_with_its_path():
    error = check_error("B", own_code="A", dependencies={"B": {"C"}, "C": ("D", "A")})
    assert error.message == "Công thức tạo vòng lặp: A → B → C → A."


def test_check_accepts_shared_dependencies_without_a_cycle():
    # A diamond reuses C twice but never comes back to A.
    assert check("B + D", own_code="A", dependencies={"B": ["C"], "D": ["C"]})


def test_check_replaces_the_old_formula_of_the_indicator_itself():
    # The stored graph still says A -> B, which with B -> A would look like a cycle.
    assert check("C", own_code="A", dependencies={"A": ["B"], "B": ["A"]}) == Ref("C")


def test_find_cycle():
    assert find_cycle({}) is None
    assert find_cycle({"A": ["B", "C"], "B": ["C"], "C": []}) is None
    assert find_cycle({"A": ["A"]}) == ["A", "A"]
    assert find_cycle({"A": ["B"], "B": ["A"]}) == ["A", "B", "A"]
    assert find_cycle({"X": ["A"], "A": ["B"], "B": ["C"], "C": ["A"]}) == ["A", "B", "C", "A"]


def test_find_cycle_handles_long_chains_without_recursion():
    chain = {f"N{i}": [f"N{i + 1}"] for i in range(5000)}
    assert find_cycle(chain) is None
    chain["N5000"] = ["N0"]
    cycle = find_cycle(chain)
    assert cycle is not None and cycle[0] == cycle[-1] and len(cycle) == 5002


# --- round trip ------------------------------------------------------------

codes = st.from_regex(r"[A-Z][A-Z0-9_]{0,4}", fullmatch=True)
# Built from integer and scale so that literals are non-negative and finite, as the parser makes them.
numbers = st.builds(lambda digits, places: Decimal(digits).scaleb(-places),
                    st.integers(0, 10**9), st.integers(0, 4))
expressions = st.recursive(
    st.one_of(numbers.map(Number), codes.map(Ref)),
    lambda children: st.one_of(
        st.builds(Unary, st.sampled_from("+-"), children),
        st.builds(Binary, st.sampled_from("+-*/"), children, children),
    ),
    max_leaves=25,
)


@given(expressions, st.data())
def test_to_text_round_trips_through_the_parser(expr, data):
    text = to_text(expr)
    parsed = parse_formula(text)
    assert parsed == expr
    assert to_text(parsed) == text
    values = {code: data.draw(st.one_of(st.none(), numbers), label=code)
              for code in sorted(referenced_codes(expr))}
    assert evaluate(parsed, values) == evaluate(expr, values)
