"""Autocomplete end to end: the real bot answering the stand-in's autocomplete as a member
types a name with its first letter wrong or missing."""


async def test_autocomplete_offers_the_term_for_a_wrong_or_missing_first_letter(world):
    """ "xons" (Consumer, first letter wrong) and "ales f" (Sales Funnel, first letter left
    out) offer the term among the first five choices; picking it opens exactly that term."""
    for typed, meant in (("xons", "Consumer"), ("ales f", "Sales Funnel")):
        choices = await world.discord.autocomplete(
            world.guild, world.channel, world.alice, "define", {"term": typed}, focused="term"
        )
        first = [c["name"] for c in choices[:5]]
        assert meant in first, (typed, first)
        picked = choices[first.index(meant)]["value"]
        ix = await world.discord.slash(
            world.guild, world.channel, world.alice, "define", {"term": picked}
        )
        assert (await ix.message()).embed["title"] == meant
