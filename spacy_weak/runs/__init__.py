"""What a command does besides parsing its arguments and printing: the layer under ``cli/``.

* :mod:`.code` -- ``--code``: importing the user's file of registered functions;
* :mod:`.pipeline` -- the one way a command loads a pipeline (saved directory or config,
  overrides that never go ignored, components left out or kept for fitting);
* :mod:`.overrides` -- config overrides made to take effect on a saved pipeline;
* :mod:`.apply` -- a run over a corpus into resumable sharded DocBins: the preparation
  every backend shares (:class:`.apply.Applier`) and the local loop;
  :class:`spacy_weak.distributed.apply.DaskApplier` replaces only the loop;
* :mod:`.fit` -- fitting an aggregator on DocBins and saving it; the cluster fit is the
  same run with the component's sharded hook (:mod:`spacy_weak.distributed.fit`);
* :mod:`.analyze` -- the analysis of sources and aggregates behind ``spacy-weak analyze``;
* :mod:`.demo` -- the demo's run on the embedded sample.

Nothing here imports ``spacy_weak.cli`` or ``spacy_weak.distributed``: the command line
chooses the backend, the Dask backend builds on this layer.
"""
