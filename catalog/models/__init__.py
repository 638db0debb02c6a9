from catalog.models.benchmarks import Benchmark, BenchmarkResult
from catalog.models.licenses import License
from catalog.models.models import AIModel, FieldObservation, LineageEdge, ModelAlias
from catalog.models.offerings import Offering, Price
from catalog.models.organizations import Organization
from catalog.models.provenance import ProvenanceClaim
from catalog.models.search import SearchWord
from catalog.models.sources import ChangeEvent, Source, SyncRun

__all__ = [
    "AIModel",
    "Benchmark",
    "BenchmarkResult",
    "ChangeEvent",
    "FieldObservation",
    "License",
    "LineageEdge",
    "ModelAlias",
    "Offering",
    "Organization",
    "Price",
    "ProvenanceClaim",
    "SearchWord",
    "Source",
    "SyncRun",
]
