"""The assess stage: from simulated paths to answers about the plan's targets.

- :mod:`.attain`: probabilities, required growth, shortfall, drivers, stars;
- :mod:`.crosscheck`: the engine against the exact nowcast;
- :mod:`.progress`: 序时进度 (progress against the calendar);
- :mod:`.level_bases`: published-basis levels and deflators;
- :mod:`.track`: how the odds moved between vintages;
- :mod:`.audit`: the plan's internal arithmetic;
- :mod:`.text`: the plain-text rendering of an assessment.

Imports only from the earlier stages (data, estimate, simulate).
"""
