import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SharedCircuit } from '#domain/circuit-breaker.ts';
import type { CircuitStore } from '#ports/circuit-store.ts';
import { isConditionFailure } from './dynamo-errors.ts';
import { keys } from './table.ts';

/** Circuits as single items `CIRCUIT#<endpoint>` / `META`; a transition never overwrites a later one. */
export class DynamoCircuitStore implements CircuitStore {
  constructor(private readonly deps: { client: DynamoDBDocumentClient; tableName: string }) {}

  async get(endpoint: string): Promise<SharedCircuit | undefined> {
    const out = await this.deps.client.send(
      new GetCommand({ TableName: this.deps.tableName, Key: keys.circuit(endpoint) }),
    );
    return out.Item ? (out.Item.circuit as SharedCircuit) : undefined;
  }

  put(circuit: SharedCircuit): Promise<boolean> {
    // Two workers seeing the same run write in either order: the later transition stays.
    return this.#write(circuit, 'attribute_not_exists(pk) OR #at <= :at', circuit.at);
  }

  replace(expected: SharedCircuit, next: SharedCircuit): Promise<boolean> {
    // A probe of a paused endpoint claims it this way: a resume written meanwhile is never undone.
    return this.#write(next, '#at = :at', expected.at);
  }

  async #write(circuit: SharedCircuit, condition: string, at: number): Promise<boolean> {
    try {
      await this.deps.client.send(
        new PutCommand({
          TableName: this.deps.tableName,
          Item: { ...keys.circuit(circuit.endpoint), entity: 'circuit', circuit, at: circuit.at },
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
