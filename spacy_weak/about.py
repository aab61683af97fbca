__title__ = "spacy-weak"
__version__ = "0.1.0"
