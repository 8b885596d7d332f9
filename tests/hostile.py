"""Hostile input, kept in one place so every test that needs it draws from the same lists.

Values a reader, a bot or an attacker may put into any query parameter, form field, path segment
or token: digits ``int()`` refuses, numbers too long for it, control characters, text in every
direction and script, markup and SQL, path tricks. None of them may ever produce a 5xx.
"""

DIGITS = [
    "²",  # str.isdigit() says yes, int() says no
    "٣",  # Arabic-Indic three: int() accepts it, a [0-9] pattern does not
    "１２",  # full-width digits
    "9" * 5000,  # int() refuses more than 4,300 digits
    "-1",
    "0",
    "00",
    "+5",
    " 3 ",
    "1e309",
    "NaN",
    "99999999999999999999999999",
    "3.7",
    "0x1f",
]

TEXT = [
    "",
    " ",
    "A" * 10_000,
    "\x00",
    "nul\x00in the middle",
    "\x1b[31mred",
    "line\nbreak\r\nand\rmore",
    "😀🇬🇧👩‍👩‍👧",
    "\u202eevil\u202c",  # right-to-left override
    "\u200f\u200e",  # right-to-left and left-to-right marks
    "القاهرة اليوم",
    "東京の新しい橋",
    "Ελλάδα",
    "../../../../etc/passwd",
    "..\\..\\windows",
    "%00",
    "%2e%2e%2f",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR '1'='1' --",
    '"; DROP TABLE articles_article; --',
    "{{ 7*7 }}{% debug %}",
    "NEAR(a b) AND * ^ ( )",
    '"unbalanced',
    "javascript:alert(1)",
    "null",
    "undefined",
]

VALUES = DIGITS + TEXT

# Raw query strings the test client would otherwise encode for us: invalid UTF-8, a bare %.
RAW_QUERIES = ["%ff%fe%fd", "%", "%zz", "a=%00", "=&=&", "&&&", "x" * 20_000]


# Worst cases for the parsers (issue 15): built on demand, they are large.
def worst_case_inputs():
    """Name -> text: what makes a sanitizer, a formatter, a validator or a query parser work
    hardest, at the sizes the issue names."""
    return {
        "1 MB of nested tags": "<div><b>" * 65_000 + "x" + "</b></div>" * 65_000,
        "100,000 brackets": "[" * 50_000 + "]" * 50_000,
        "100,000 '<'": "<" * 100_000,
        "100,000 unclosed tags": "<a " * 33_000,
        "100,000 entities": "&amp;" * 20_000,
        "comment of links": "http://a.example/" * 300,
    }


def worst_case_email():
    """An address with a 10,000-label domain."""
    return "reader@" + ".".join(["a"] * 10_000) + ".example"


def worst_case_search():
    """A search of 5,000 operators."""
    operators = ["AND", "OR", "NOT", "NEAR", '"', "(", ")", "-", "*", "^", ":", "+"]
    return " ".join(operators[n % len(operators)] + "x" for n in range(5_000))
