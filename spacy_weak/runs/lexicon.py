"""What ``lexicon compile`` does besides parsing and printing: the output folder's checks."""
from pathlib import Path
from typing import List

def check_compile_output(output: Path, inputs: List[Path]) -> None:
    """The output folder: not an input nor holding one (E263), not a file (E264), and new,
    empty or an earlier compiled lexicon (E269): compiling never overwrites other files."""
    import srsly

    from ..corpora.output_dir import check_output_dir, check_owned_directory

    def is_compiled(meta: Path) -> bool:
        try:
            data = srsly.read_json(meta)
        except (ValueError, OSError):
            return False
        return isinstance(data, dict) and data.get("format") == "spacy_weak.compiled_lexicon"

    check_output_dir(output, inputs)
    check_owned_directory(output, "meta.json", is_compiled)
