"""The assess stage: from simulated paths to answers about the plan's targets.

- :mod:`.result`: :func:`~.result.assess_plan`, every answer below built once into one
  :class:`~.result.Attainment` (what the CLI, the JSON and the reports read);
- :mod:`.attain`: the assessment table (probabilities, required growth, shortfall) and
  joint probabilities; :mod:`.outcomes`: a scope's paths and both level bases;
- :mod:`.drivers`: each cluster's part in the gap; :mod:`.stars`: star ratings;
- :mod:`.outlook`: major projects still to come under the simulation's scenario;
- :mod:`.crosscheck`: the engine against the exact nowcast;
- :mod:`.progress`: 序时进度 (progress against the calendar);
- :mod:`.level_bases`: published-basis levels and deflators;
- :mod:`.track`: how the odds moved between vintages;
- :mod:`.audit`: the plan's internal arithmetic;
- :mod:`.serialise`: the ``attain --format json`` document;
- :mod:`.text`: the plain-text rendering of an assessment (:mod:`.cells`: its tables).

Imports only from the earlier stages (data, estimate, simulate).
"""
