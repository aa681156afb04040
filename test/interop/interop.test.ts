/**
 * Interop with an independent SOAP toolkit: test/interop/vasa_flow.py (python3-zeep)
 * loads the WSDL this provider serves over HTTPS and runs the vCenter/ESXi flow on
 * the SOAP 1.1 port (interop-soap12.test.ts does the same on the SOAP 1.2 port; two
 * files so jest runs them side by side). Fails when the script fails, with its output.
 */
import { interopSuite } from './run-flow';

interopSuite('1.1');
