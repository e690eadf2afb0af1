"""What members do, step by step, shared by the end-to-end tests."""

from __future__ import annotations

from standin import Interaction, Message


async def submit_contribution(
    world, user, term="customer", text="Someone who pays us for a thing.", source=("", "")
) -> Interaction:
    """A member opens /contribute and submits the modal; returns the submission."""
    choices = await world.discord.autocomplete(
        world.guild, world.channel, user, "contribute", {"term": term}, focused="term"
    )
    ix = await world.discord.slash(
        world.guild, world.channel, user, "contribute", {"term": choices[0]["value"]}
    )
    callback = await ix.response()
    assert callback["type"] == 9, callback
    fields = [row["components"][0]["custom_id"] for row in callback["data"]["components"]]
    return await world.discord.submit_modal(
        ix, user, dict(zip(fields, [text, *source], strict=False))
    )


async def contribute(world, user, **fields) -> Message:
    """A member contributes a definition; returns the answer the bot posted."""
    submitted = await submit_contribution(world, user, **fields)
    return await submitted.message(timeout=10)
