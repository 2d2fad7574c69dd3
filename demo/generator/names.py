"""Company names, tax ids, contacts and e-mail addresses, built with array operations."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from demo.generator import words
from demo.generator.traits import Customers

_DIGITS = np.array(list("0123456789"))
_ALPHANUMERIC = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _array(values) -> np.ndarray:
    return np.array(list(values), dtype=str)


def cat(*parts) -> np.ndarray:
    """Element-wise concatenation of string arrays and scalars."""
    result = np.char.add(parts[0], parts[1])
    for part in parts[2:]:
        result = np.char.add(result, part)
    return result


def random_chars(rng: np.random.Generator, n: int, length: int, alphabet: np.ndarray) -> np.ndarray:
    """``n`` random strings of ``length`` characters from ``alphabet``."""
    if n == 0:
        return np.zeros(0, dtype=f"<U{length}")
    chars = np.ascontiguousarray(alphabet[rng.integers(0, len(alphabet), (n, length))])
    return chars.view(f"<U{length}")[:, 0]


def zero_padded(numbers: np.ndarray, width: int) -> np.ndarray:
    text = np.asarray(numbers).astype(str)
    return np.char.zfill(text, width) if text.size else text


_PREFIXES = _array(words.NAME_PREFIXES)
_PREFIX_SLUGS = _array(_slug(p) for p in words.NAME_PREFIXES)
_NOUNS = np.array([industry.nouns for industry in words.INDUSTRIES])
_NOUN_SLUGS = np.array([[_slug(n) for n in industry.nouns] for industry in words.INDUSTRIES])
_SUFFIXES = np.array([country.suffixes for country in words.COUNTRIES])
_INDUSTRY_ZH = _array(industry.chinese for industry in words.INDUSTRIES)
_SUFFIXES_ZH = _array(words.SUFFIXES_ZH)
_CITIES_ZH = _array(city for city, _ in words.CITIES_ZH)
_CITY_SLUGS = _array(slug for _, slug in words.CITIES_ZH)
_TRADES_ZH = _array(trade for trade, _ in words.TRADE_NAMES_ZH)
_TRADE_SLUGS = _array(slug for _, slug in words.TRADE_NAMES_ZH)
_CALLING_CODES = _array(f"+{country.calling_code} " for country in words.COUNTRIES)


def company_names(rng: np.random.Generator, customers: Customers) -> tuple[np.ndarray, np.ndarray]:
    """(name, e-mail domain) of each customer."""
    n = len(customers)
    a, b, c = (rng.integers(0, 64, n) for _ in range(3))
    english = cat(
        _PREFIXES[a % len(_PREFIXES)],
        " ",
        _NOUNS[customers.industry, b % _NOUNS.shape[1]],
        " ",
        _SUFFIXES[customers.country, c % 3],
    )
    english_domain = cat(
        _PREFIX_SLUGS[a % len(_PREFIXES)], "-", _NOUN_SLUGS[customers.industry, b % 8], ".example"
    )
    chinese = cat(
        _CITIES_ZH[a % len(_CITIES_ZH)],
        _TRADES_ZH[b % len(_TRADES_ZH)],
        _INDUSTRY_ZH[customers.industry],
        _SUFFIXES_ZH[c % 3],
    )
    chinese_domain = cat(
        _TRADE_SLUGS[b % len(_TRADES_ZH)], "-", _CITY_SLUGS[a % len(_CITIES_ZH)], ".example"
    )
    names = np.where(customers.is_chinese, chinese, english)
    domains = np.where(customers.is_chinese, chinese_domain, english_domain)
    return names, domains


def tax_ids(rng: np.random.Generator, customers: Customers) -> np.ndarray:
    """A tax id in the format of the customer's country; about 2% have none on file."""
    result = np.zeros(len(customers), dtype="<U40")
    for index, country in enumerate(words.COUNTRIES):
        rows = np.flatnonzero(customers.country == index)
        if not len(rows):
            continue
        parts = []
        for part in country.tax_id:
            if isinstance(part, str):
                parts.append(part)
            else:
                kind, length = part
                alphabet = _DIGITS if kind == "d" else _ALPHANUMERIC
                parts.append(random_chars(rng, len(rows), length, alphabet))
        result[rows] = cat("", *parts)
    return np.where(rng.random(len(customers)) < 0.02, "", result)


def phones(rng: np.random.Generator, country: np.ndarray) -> np.ndarray:
    n = len(country)
    return cat(
        _CALLING_CODES[country],
        random_chars(rng, n, 3, _DIGITS),
        " ",
        random_chars(rng, n, 4, _DIGITS),
        " ",
        random_chars(rng, n, 4, _DIGITS),
    )


_FIRST = _array(words.FIRST_NAMES)
_LAST = _array(words.LAST_NAMES)
_SURNAMES_ZH = _array(s for s, _ in words.SURNAMES_ZH)
_SURNAME_SLUGS = _array(s for _, s in words.SURNAMES_ZH)
_GIVEN_ZH = _array(g for g, _ in words.GIVEN_NAMES_ZH)
_GIVEN_SLUGS = _array(g for _, g in words.GIVEN_NAMES_ZH)
_MAILBOXES = _array(words.BILLING_MAILBOXES)
_TITLES = {
    (True, False): _array(words.BILLING_TITLES),
    (False, False): _array(words.OTHER_TITLES),
    (True, True): _array(words.BILLING_TITLES_ZH),
    (False, True): _array(words.OTHER_TITLES_ZH),
}


@dataclass(frozen=True)
class Contacts:
    owner: np.ndarray  # index of the customer in its chunk
    name: np.ndarray
    job_title: np.ndarray
    email: np.ndarray
    phone: np.ndarray
    is_billing: np.ndarray
    is_email_valid: np.ndarray

    def __len__(self) -> int:
        return len(self.owner)


def contacts_generate(
    rng: np.random.Generator, customers: Customers, domains: np.ndarray
) -> Contacts:
    """1-3 contacts per customer. The first is the billing contact with an e-mail,
    except for about 3% of customers, whose contacts have no e-mail at all."""
    n = len(customers)
    counts = rng.choice([1, 2, 3], size=n, p=[0.35, 0.45, 0.20])
    owner = np.repeat(np.arange(n), counts)
    position = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    has_email = np.repeat(rng.random(n) >= 0.03, counts)
    chinese = customers.is_chinese[owner]
    m = len(owner)

    first, last = rng.integers(0, len(_FIRST), m), rng.integers(0, len(_LAST), m)
    given, surname = rng.integers(0, len(_GIVEN_ZH), m), rng.integers(0, len(_SURNAMES_ZH), m)
    name = np.where(
        chinese, cat(_SURNAMES_ZH[surname], _GIVEN_ZH[given]), cat(_FIRST[first], " ", _LAST[last])
    )
    first_slug = np.char.lower(np.where(chinese, _GIVEN_SLUGS[given], _FIRST[first]))
    last_slug = np.char.lower(np.where(chinese, _SURNAME_SLUGS[surname], _LAST[last]))
    # Three address patterns that can never collide within one customer.
    local = np.select(
        [position == 0, position == 1],
        [_MAILBOXES[rng.integers(0, len(_MAILBOXES), m)], cat(first_slug, ".", last_slug)],
        default=cat(first_slug.astype("<U1"), last_slug),
    )
    email = np.where(has_email, cat(local, "@", domains[owner]), "")
    is_billing = (position == 0) & has_email

    title = np.empty(m, dtype="<U40")
    pick = rng.integers(0, 4, m)
    for (billing, zh), titles in _TITLES.items():
        rows = (is_billing == billing) & (chinese == zh)
        title[rows] = titles[pick[rows]]
    return Contacts(
        owner=owner,
        name=name,
        job_title=title,
        email=email,
        phone=phones(rng, customers.country[owner]),
        is_billing=is_billing,
        is_email_valid=~(is_billing & (rng.random(m) < 0.01)),
    )
