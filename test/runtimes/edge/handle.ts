// What an edge function or a Worker does with the library: export every vendor's history from
// the sandbox the request's query names, and answer with what it found.
import { exportAll } from '../export-all.js';

export async function handle(request: Request): Promise<Response> {
  try {
    return Response.json(await exportAll(new URL(request.url).searchParams, 4));
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return Response.json({ failure: text }, { status: 500 });
  }
}
