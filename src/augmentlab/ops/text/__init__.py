"""Text ops: EDA's word edits, character noise, and model-based rewriting
(back-translation, contextual substitution). A batch is a 1-D numpy array of str."""
