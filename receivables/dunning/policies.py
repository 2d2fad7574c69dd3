"""Saving dunning policies and their levels, with their rules checked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from crm.exceptions import ValidationFailed
from customers.models import Tier
from receivables.dunning.templates import (
    TEMPLATE_FIELDS,
    TemplateSyntaxError,
    UnknownTemplateField,
    render,
    sample_context,
)
from receivables.models import DunningChannel, DunningLevel, DunningPolicy

_TEXT_FIELDS = ("subject_en", "body_en", "subject_zh", "body_zh")
_REPACK_SHIFT = 10_000
# A reminder up to a year before the due date, the last step up to ten years after.
MIN_OFFSET_DAYS = -365
MAX_OFFSET_DAYS = 3650
_LEVEL_FIELDS = (
    "offset_days",
    "channel",
    *_TEXT_FIELDS,
    "create_collector_task",
    "place_credit_hold",
    "flag_for_agency",
)


def dunning_levels_validate(levels: Sequence[Mapping[str, Any]]) -> None:
    """Offsets whole days from -365 to 3650, strictly increasing; English texts present;
    every template renders."""
    if not levels:
        raise ValidationFailed.for_field(
            "levels", "A dunning policy needs at least one level.", code="dunning_no_levels"
        )
    previous: int | None = None
    for position, level in enumerate(levels, start=1):
        offset = level.get("offset_days")
        if not isinstance(offset, int) or isinstance(offset, bool):
            raise ValidationFailed.for_field(
                "levels",
                f"Level {position}: the offset must be a whole number of days.",
                code="dunning_offset_invalid",
            )
        if not MIN_OFFSET_DAYS <= offset <= MAX_OFFSET_DAYS:
            raise ValidationFailed.for_field(
                "levels",
                f"Level {position}: an offset of {offset:+d} days is out of range; use "
                f"{MIN_OFFSET_DAYS} to {MAX_OFFSET_DAYS} days (a year before the due date "
                "to ten years after it).",
                code="dunning_offset_out_of_range",
            )
        if previous is not None and offset <= previous:
            raise ValidationFailed.for_field(
                "levels",
                f"Level {position}: its offset ({offset:+d} days) must be later than the "
                f"offset of level {position - 1} ({previous:+d} days); offsets increase "
                "strictly from one level to the next.",
                code="dunning_offsets_not_increasing",
            )
        previous = offset
        channel = level.get("channel", DunningChannel.EMAIL)
        if channel not in DunningChannel.values:
            raise ValidationFailed.for_field(
                "levels",
                f"Level {position}: unknown channel {channel!r}; use one of "
                f"{', '.join(DunningChannel.values)}.",
                code="dunning_channel_invalid",
            )
        for field in ("subject_en", "body_en"):
            if not str(level.get(field) or "").strip():
                raise ValidationFailed.for_field(
                    "levels",
                    f"Level {position}: {field} is required.",
                    code="dunning_text_required",
                )
        _templates_check(position, level)


def _templates_check(position: int, level: Mapping[str, Any]) -> None:
    context = sample_context()
    for field in _TEXT_FIELDS:
        source = str(level.get(field) or "")
        try:
            render(source, context)
        except UnknownTemplateField as error:
            raise ValidationFailed.for_field(
                "levels",
                f"Level {position}, {field}: unknown field '{error.name}'. "
                f"Available fields: {TEMPLATE_FIELDS}.",
                code="dunning_template_unknown_field",
            ) from error
        except TemplateSyntaxError as error:
            raise ValidationFailed.for_field(
                "levels",
                f"Level {position}, {field}: template error: {error}.",
                code="dunning_template_syntax",
            ) from error


@transaction.atomic
def dunning_policy_save(
    *,
    name: str,
    levels: Sequence[Mapping[str, Any]],
    description: str = "",
    is_default_for_tier: str = "",
    policy: DunningPolicy | None = None,
) -> DunningPolicy:
    """Create a policy, or replace the name, description, tier and levels of ``policy``.

    ``levels`` are given in order; their positions are 1, 2, ... Each may carry
    the ``id`` of an existing level to keep that row. A level that produced
    notices is retired instead of deleted when it is left out.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationFailed.for_field("name", "A dunning policy needs a name.", code="required")
    if is_default_for_tier and is_default_for_tier not in Tier.values:
        raise ValidationFailed.for_field(
            "is_default_for_tier",
            f"Unknown tier {is_default_for_tier!r}; use one of {', '.join(Tier.values)}.",
            code="invalid_choice",
        )
    dunning_levels_validate(levels)
    others = DunningPolicy.objects.exclude(pk=policy.pk if policy else None)
    if others.filter(name=name).exists():
        raise ValidationFailed.for_field(
            "name", f"A dunning policy named {name!r} already exists.", code="unique"
        )
    if is_default_for_tier and others.filter(is_default_for_tier=is_default_for_tier).exists():
        raise ValidationFailed.for_field(
            "is_default_for_tier",
            f"Another policy is already the default for tier {is_default_for_tier}; "
            "clear it there first.",
            code="unique",
        )
    if policy is None:
        policy = DunningPolicy(name=name)
    else:
        policy = DunningPolicy.objects.select_for_update().get(pk=policy.pk)
    policy.name = name
    policy.description = (description or "")[:255]
    policy.is_default_for_tier = is_default_for_tier or ""
    policy.save()
    _levels_replace(policy, levels)
    return policy


def _levels_replace(policy: DunningPolicy, levels: Sequence[Mapping[str, Any]]) -> None:
    """Make ``levels`` the policy's active levels, in order.

    A level given with its ``id`` keeps its row (and so its notices); without
    ids, levels are matched by position. An active level left out is deleted,
    or retired when it produced notices, so those notices keep the text and
    offset they were sent with. Positions are re-packed 1, 2, ... over the
    active levels only.
    """
    active = list(policy.levels.filter(retired_at__isnull=True).order_by("position"))
    by_id = {level.pk: level for level in active}
    rows: list[DunningLevel] = []
    for position, values in enumerate(levels, start=1):
        level_id = values.get("id")
        if level_id:
            level = by_id.get(int(level_id))
            if level is None:
                raise ValidationFailed.for_field(
                    "levels",
                    f"Level {position}: level id {level_id} is not an active level of policy "
                    f"{policy.name!r}; leave the id out to add a new level.",
                    code="dunning_level_unknown",
                )
        elif not any(v.get("id") for v in levels) and position <= len(active):
            level = active[position - 1]
        else:
            level = DunningLevel(policy=policy)
        rows.append(level)
    kept = {level.pk for level in rows if level.pk}
    removed = [level for level in active if level.pk not in kept]
    used = set(
        DunningLevel.objects.filter(pk__in=[level.pk for level in removed], notices__isnull=False)
        .values_list("pk", flat=True)
        .distinct()
    )
    DunningLevel.objects.filter(pk__in=used).update(retired_at=timezone.now())
    DunningLevel.objects.filter(
        pk__in=[level.pk for level in removed if level.pk not in used]
    ).delete()
    # Move the kept rows out of the way first, so re-packing never collides.
    DunningLevel.objects.filter(pk__in=kept).update(position=F("position") + _REPACK_SHIFT)
    for position, (level, values) in enumerate(zip(rows, levels, strict=True), start=1):
        level.position = position
        for field in _LEVEL_FIELDS:
            default = DunningChannel.EMAIL if field == "channel" else None
            value = values.get(field, default)
            if value is None:
                value = False if field.startswith(("create", "place", "flag")) else ""
            setattr(level, field, value)
        level.full_clean(exclude=["policy"], validate_constraints=False)
        level.save()
