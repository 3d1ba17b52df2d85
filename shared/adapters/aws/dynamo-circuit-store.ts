import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SharedCircuit } from '#domain/circuit-breaker.ts';
import type { CircuitStore } from '#ports/circuit-store.ts';
import { conditionalWrite, getItem, ITEM_ABSENT, type Table } from './dynamo-commands.ts';
import { keys } from './table.ts';

/** No circuit yet, or one from a transition no later than `:at`: the later transition stays. */
const NONE_OR_NOT_LATER = `${ITEM_ABSENT} OR #at <= :at`;

/** Still the transition the caller read (`:at`): a resume written meanwhile is never undone. */
const SAME_TRANSITION = '#at = :at';

/** Circuits as single items `CIRCUIT#<endpoint>` / `META`; a transition never overwrites a later one. */
export class DynamoCircuitStore implements CircuitStore {
  constructor(private readonly table: Table) {}

  async get(endpoint: string): Promise<SharedCircuit | undefined> {
    return (await getItem(this.table, keys.circuit(endpoint)))?.circuit as SharedCircuit | undefined;
  }

  put(circuit: SharedCircuit): Promise<boolean> {
    // Two workers seeing the same run write in either order.
    return this.#write(circuit, NONE_OR_NOT_LATER, circuit.at);
  }

  replace(expected: SharedCircuit, next: SharedCircuit): Promise<boolean> {
    // A probe of a paused endpoint claims it this way.
    return this.#write(next, SAME_TRANSITION, expected.at);
  }

  #write(circuit: SharedCircuit, condition: string, at: number): Promise<boolean> {
    return conditionalWrite(() =>
      this.table.client.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: { ...keys.circuit(circuit.endpoint), entity: 'circuit', circuit, at: circuit.at },
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': at },
        }),
      ),
    );
  }
}
