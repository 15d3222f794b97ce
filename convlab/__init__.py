__version__ = "0.0.1"

# Written by hand (nbdev only updates the version line above): every import of convlab passes here first.
# Third-party noise a learner cannot act on, silenced once: torch 2.14 deprecates `torch.jit.script`, which fastai still
# calls at import; pandas 3 deprecates an option fastai's tabular module sets at import; fastai's own `ActivationStats`
# stores `self.modules`, which fastai then warns shadows `Learner.modules`.
import warnings
warnings.filterwarnings('ignore', message=r'`torch\.jit\.script` is deprecated', category=FutureWarning)
warnings.filterwarnings('ignore', message=r"The 'mode\.chained_assignment' option is deprecated")
warnings.filterwarnings('ignore', message=r'You are shadowing an attribute \(modules\)', category=UserWarning)
del warnings
