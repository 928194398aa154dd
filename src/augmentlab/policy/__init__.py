"""Policies: composition, presets, the spec language and replay."""

from augmentlab.policy.compose import Node, OneOf, RandomApply, Sequential, SomeOf
from augmentlab.policy.presets import AugMix, AutoAugment, RandAugment, TrivialAugment
from augmentlab.policy.replay import params_from_json, params_to_json
from augmentlab.policy.spec import (
    format_policy,
    load_policy,
    parse_policy,
    policy_from_dict,
    policy_to_dict,
)

__all__ = [
    "AugMix", "AutoAugment", "Node", "OneOf", "RandAugment", "RandomApply", "Sequential", "SomeOf",
    "TrivialAugment", "format_policy", "load_policy", "params_from_json", "params_to_json", "parse_policy",
    "policy_from_dict", "policy_to_dict",
]
