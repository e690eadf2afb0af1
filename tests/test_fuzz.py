"""Short seeded fuzz runs: odd questions never crash, mutated glossaries give FILE:LINE:COL.

The long runs (10,000 inputs and more) are `python bench/bench_fuzz.py`.
"""

from fuzzing import fuzz_check, fuzz_questions, question_inputs


def test_random_questions_through_ask_and_the_console_are_all_answered(tmp_path):
    """Random bytes, unicode, markup and huge lines: every line answered, no traceback."""
    run = fuzz_questions(question_inputs(240, seed=16), tmp_path)
    assert not run.failures, "\n".join(run.failures)
    assert sum(run.decisions.values()) > 200 and run.console_answers > 0


def test_mutated_glossary_files_give_only_placed_problems_or_success():
    """Mutated real glossaries: either valid, or problems at FILE:LINE:COL inside the file."""
    run = fuzz_check(300, seed=16)
    assert not run.failures, "\n".join(run.failures[:20])
    assert run.rejected > 100 and run.valid >= 1
