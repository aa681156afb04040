/**
 * The zeep flow of interop.test.ts on the WSDL's other port, vasaServiceHttpSoap12Endpoint:
 * zeep sends SOAP 1.2 and the provider must answer every call, faults included, in SOAP 1.2.
 */
import { interopSuite } from './run-flow';

interopSuite('1.2');
