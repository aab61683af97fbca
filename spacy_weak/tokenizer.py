"""A tokenizer for biomedical text: spaCy's rules plus splits at brackets and slashes.

spaCy's English tokenizer keeps ``DOX)-induced``, ``[3H]-naloxone`` and
``Ca(2+)-ATPase`` as single tokens, so a mention inside them cannot be a span.
This tokenizer adds infixes that split at round and square brackets, at a
hyphen or slash next to a bracket, and at a slash between letters, so
mentions such as ``DOX`` or ``naloxone`` start and end on token boundaries.

    [nlp.tokenizer]
    @tokenizers = "spacy_weak.biomedical_tokenizer.v1"

Use the same tokenizer in the pipelines that annotate, aggregate and train.
"""
from typing import Callable

from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex, registry

EXTRA_INFIXES = [
    r"[\(\)\[\]]",  # any bracket
    r"(?<=[\)\]])[-/]",  # hyphen or slash after a bracket: "(DOX)-induced"
    r"[-/](?=[\(\[])",  # hyphen or slash before a bracket
    r"(?<=[A-Za-z])/(?=[A-Za-z])",  # slash between letters: "ifosfamide/mesna"
]


@registry.tokenizers("spacy_weak.biomedical_tokenizer.v1")
def make_biomedical_tokenizer() -> Callable[[Language], Tokenizer]:
    def create_tokenizer(nlp: Language) -> Tokenizer:
        defaults = nlp.Defaults
        infixes = list(defaults.infixes or []) + EXTRA_INFIXES
        prefixes = list(defaults.prefixes or [])
        suffixes = list(defaults.suffixes or [])
        return Tokenizer(
            nlp.vocab,
            rules=defaults.tokenizer_exceptions,
            prefix_search=compile_prefix_regex(prefixes).search if prefixes else None,
            suffix_search=compile_suffix_regex(suffixes).search if suffixes else None,
            infix_finditer=compile_infix_regex(infixes).finditer,
            token_match=defaults.token_match,
            url_match=defaults.url_match,
        )

    return create_tokenizer
