// Errors of the history operations: one line each, saying what to do instead.
import { StrataError } from '../errors.js'

export class UnrelatedHistories extends StrataError {}

export class ImpossibleHistoryOperation extends StrataError {}

export class OperationInProgress extends StrataError {}

export class NoOperationInProgress extends StrataError {}
