"""Use cases: one transaction each, given a Requester; they raise domain errors and import no discord."""
