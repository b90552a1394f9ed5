"""Filter rules: one rule per module, typed verdicts and addable stats (verdict.py, rule.py, params.py, chain.py, slots.py, stats.py, rejects.py)."""
