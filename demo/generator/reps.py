"""Sales reps: Django users in the sales_rep role, each with a home region."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from crm import roles
from crm.exceptions import ApplicationError
from demo.generator import words

CUSTOMERS_PER_REP = 150
MIN_REPS, MAX_REPS = 3, 200
FIRST_REP_USERNAME = "sales"


def rep_count(customers: int) -> int:
    return int(min(MAX_REPS, max(MIN_REPS, round(customers / CUSTOMERS_PER_REP))))


def rep_username(position: int) -> str:
    """``sales`` for the first rep (the demo login of the sales_rep role), then sales02, ..."""
    return FIRST_REP_USERNAME if position == 0 else f"{FIRST_REP_USERNAME}{position + 1:02d}"


def rep_home_regions(count: int) -> list[int]:
    """Home region (index into words.REGIONS) of each rep, in proportion to the
    regions' share of customers, taking regions in turn so the first rep covers
    the largest region."""
    weights = np.array(words.REGION_WEIGHTS)
    if count < len(weights):
        quota = np.zeros(len(weights), dtype=int)
        quota[np.argsort(-weights, kind="stable")[:count]] = 1
    else:
        spread = weights * (count - len(weights))
        quota = 1 + np.floor(spread).astype(int)
        remainder = count - quota.sum()
        quota[np.argsort(-(spread - np.floor(spread)), kind="stable")[:remainder]] += 1
    regions: list[int] = []
    while len(regions) < count:
        for region in range(len(weights)):
            if quota[region]:
                regions.append(region)
                quota[region] -= 1
    return regions


@dataclass(frozen=True)
class SalesReps:
    user_ids: np.ndarray
    home_region: np.ndarray  # index into words.REGIONS
    created: int

    def candidates(self, region: int) -> np.ndarray:
        """Reps who look after customers of ``region``: its own, or a neighbour's."""
        own = self.user_ids[self.home_region == region]
        if len(own):
            return own
        for name in words.REGION_FALLBACK[words.REGIONS[region]]:
            reps = self.user_ids[self.home_region == words.REGIONS.index(name)]
            if len(reps):
                return reps
        return self.user_ids

    def assign(self, rng: np.random.Generator, region: np.ndarray) -> np.ndarray:
        """A rep of each customer's region, drawn uniformly."""
        result = np.zeros(len(region), dtype=np.int64)
        for index in range(len(words.REGIONS)):
            rows = np.flatnonzero(region == index)
            reps = self.candidates(index)
            result[rows] = reps[rng.integers(0, len(reps), len(rows))]
        return result


def _names(rng: np.random.Generator, regions: list[int]) -> list[tuple[str, str]]:
    chinese = words.REGIONS.index("greater_china")
    names = []
    for region in regions:
        if region == chinese:
            given = words.GIVEN_NAMES_ZH[rng.integers(len(words.GIVEN_NAMES_ZH))][0]
            names.append((given, words.SURNAMES_ZH[rng.integers(len(words.SURNAMES_ZH))][0]))
        else:
            names.append(
                (
                    words.FIRST_NAMES[rng.integers(len(words.FIRST_NAMES))],
                    words.LAST_NAMES[rng.integers(len(words.LAST_NAMES))],
                )
            )
    return names


def sales_reps_ensure(rng: np.random.Generator, *, customers: int) -> SalesReps:
    """Create the reps a portfolio of ``customers`` needs (reusing users that exist
    under the same usernames) with unusable passwords; ``demo_users`` sets the
    demo password of ``sales``."""
    group = Group.objects.filter(name=roles.SALES_REP).first()
    if group is None:
        raise ApplicationError(
            f"The {roles.SALES_REP!r} role does not exist; run `python manage.py migrate` first.",
            code="role_missing",
        )
    user_model = get_user_model()
    regions = rep_home_regions(rep_count(customers))
    usernames = [rep_username(position) for position in range(len(regions))]
    names = _names(rng, regions)
    existing = dict(user_model.objects.filter(username__in=usernames).values_list("username", "pk"))
    missing = [
        user_model(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@example.com",
            password=make_password(None),
        )
        for username, (first, last) in zip(usernames, names, strict=True)
        if username not in existing
    ]
    user_model.objects.bulk_create(missing)
    ids = dict(user_model.objects.filter(username__in=usernames).values_list("username", "pk"))
    membership = user_model.groups.through
    already = set(
        membership.objects.filter(group=group, user_id__in=ids.values()).values_list(
            "user_id", flat=True
        )
    )
    membership.objects.bulk_create(
        [membership(user_id=pk, group=group) for pk in ids.values() if pk not in already]
    )
    return SalesReps(
        user_ids=np.array([ids[u] for u in usernames], dtype=np.int64),
        home_region=np.array(regions, dtype=np.int64),
        created=len(missing),
    )
